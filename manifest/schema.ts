/**
 * The shape of `slack-manifest.yml`, after Slack's app manifest reference
 * (https://docs.slack.dev/reference/app-manifest) and `@slack/web-api`'s `Manifest` type. Objects are strict, so a
 * misspelt key (`should_escapes`) fails the check instead of being silently ignored by Slack's importer.
 */
import { z } from 'zod';

const httpsUrl = z
  .string()
  .refine((v) => /^https:\/\/[^\s]+$/.test(v), 'must be a full https URL (Slack refuses http request URLs)');

/** A slash command (`features.slash_commands[]`). */
export const SlashCommandSchema = z.strictObject({
  command: z
    .string()
    .regex(/^\/[a-z0-9_-]+$/, 'a slash command is "/" then lower-case letters, digits, "-" or "_"')
    .max(32),
  description: z.string().min(1).max(2000),
  usage_hint: z.string().max(1000).optional(),
  should_escape: z.boolean().optional(),
  url: httpsUrl.optional(),
});

/** The whole manifest, as far as this app uses it. */
export const ManifestSchema = z.strictObject({
  _metadata: z
    .strictObject({ major_version: z.number().int().min(1).max(2), minor_version: z.number().int().min(0) })
    .optional(),
  display_information: z.strictObject({
    name: z.string().min(1).max(35),
    description: z.string().max(140).optional(),
    long_description: z.string().min(175).max(4000).optional(),
    background_color: z
      .string()
      .regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/)
      .optional(),
  }),
  features: z.strictObject({
    app_home: z
      .strictObject({
        home_tab_enabled: z.boolean().optional(),
        messages_tab_enabled: z.boolean().optional(),
        messages_tab_read_only_enabled: z.boolean().optional(),
      })
      .optional(),
    bot_user: z.strictObject({
      display_name: z
        .string()
        .regex(/^[a-z0-9._-]{1,80}$/, 'a bot display name is 1–80 of a-z, 0-9, "-", "_" and "."'),
      always_online: z.boolean().optional(),
    }),
    slash_commands: z.array(SlashCommandSchema).max(50).optional(),
    shortcuts: z
      .array(
        z.strictObject({
          type: z.enum(['global', 'message']),
          name: z.string().min(1),
          callback_id: z.string().min(1).max(255),
          description: z.string().min(1).max(150),
        }),
      )
      .max(10)
      .optional(),
    unfurl_domains: z.array(z.string()).max(5).optional(),
  }),
  oauth_config: z.strictObject({
    redirect_urls: z.array(httpsUrl).optional(),
    scopes: z.strictObject({
      bot: z.array(z.string().regex(/^[a-z_.]+(:[a-z_.]+)*$/)).max(255),
      user: z.array(z.string()).max(255).optional(),
    }),
    token_management_enabled: z.boolean().optional(),
  }),
  settings: z.strictObject({
    allowed_ip_address_ranges: z.array(z.string()).max(50).optional(),
    event_subscriptions: z
      .strictObject({
        request_url: httpsUrl.optional(),
        bot_events: z.array(z.string()).max(100).optional(),
        user_events: z.array(z.string()).max(100).optional(),
      })
      .optional(),
    interactivity: z
      .strictObject({
        is_enabled: z.boolean(),
        request_url: httpsUrl.optional(),
        message_menu_options_url: httpsUrl.optional(),
      })
      .optional(),
    org_deploy_enabled: z.boolean().optional(),
    socket_mode_enabled: z.boolean().optional(),
    token_rotation_enabled: z.boolean().optional(),
  }),
});

/** A parsed, shape-checked manifest. */
export type Manifest = z.infer<typeof ManifestSchema>;
