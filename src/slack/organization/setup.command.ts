import { ForeignWorkspaceError, OrganizationExistsError } from '../../domain/errors.js';
import { FOREIGN_WORKSPACE_TEXT } from '../error-texts.js';
import { plainMessage } from '../shared/common.blocks.js';
import type { SubcommandHandler } from '../shared/listener-types.js';
import { SlackInputError } from '../shared/slack-input-error.js';
import { slackProfile } from '../shared/slack-profile.js';
import { escapeMrkdwn } from '../shared/text.js';

/**
 * `/org setup [name]`: creates the organization, for a Slack workspace admin or owner (`users.info`) of this very
 * workspace (a Slack Connect partner's admin is refused), while none is bound. Without a name, the workspace's name
 * (`team.info`) is used. Under Enterprise Grid the command's `enterprise_id` is kept: users of the enterprise count
 * as the organization's own.
 */
export const setup: SubcommandHandler = async ({ args, command, actor, reply, acknowledge }) => {
  // A user of another workspace learns nothing of the organization, not even that one exists or its name.
  if (actor.foreignWorkspace) throw ForeignWorkspaceError.acting();
  if (actor.organization) throw new OrganizationExistsError(actor.organization.name);
  const { client, body, context } = args;
  // users.info and team.info go to Slack: acknowledge first, answer through the response_url.
  await acknowledge();
  const profile = await slackProfile(client, body.user_id);
  const enterpriseId = body.enterprise_id || null;
  const home =
    profile?.teamId === body.team_id || (enterpriseId !== null && profile?.enterpriseId === enterpriseId);
  if (profile && !home) {
    throw new SlackInputError(
      `${FOREIGN_WORKSPACE_TEXT} Only a workspace admin or owner of this workspace can set it up. Nothing was created.`,
      undefined,
      'foreign_workspace',
    );
  }
  const isWorkspaceAdmin = profile?.workspaceAdmin === true;
  let name = command.rest;
  if (!name && isWorkspaceAdmin) {
    const team = await client.team.info({});
    name = team.team?.name ?? body.team_domain;
  }
  const organization = await context.services.organizations.setup(actor, {
    name,
    email: profile?.email ?? null,
    isWorkspaceAdmin,
    enterpriseId,
  });
  context.log.info({ organizationId: organization.id }, 'organization set up');
  await reply(
    plainMessage(
      `:tada: *${escapeMrkdwn(organization.name)}* is set up. Organization ID: \`${organization.id}\`. ` +
        'You are its first Admin. Try `/org overview` or `/org help`.',
    ),
  );
};
