import { OrganizationExistsError } from '../../../domain/errors.js';
import { plainMessage } from '../../blocks/common.js';
import { escapeMrkdwn } from '../../text.js';
import type { SubcommandHandler } from '../types.js';

/**
 * `/org setup [name]`: creates the organization, for a Slack workspace admin or owner (`users.info`), while none is
 * bound. Without a name, the workspace's name (`team.info`) is used.
 */
export const setup: SubcommandHandler = async ({ args, command, actor, reply, acknowledge }) => {
  if (actor.organization) throw new OrganizationExistsError(actor.organization.name);
  const { client, body, context } = args;
  // users.info and team.info go to Slack: acknowledge first, answer through the response_url.
  await acknowledge();
  const info = await client.users.info({ user: body.user_id });
  const isWorkspaceAdmin = Boolean(info.user?.is_admin || info.user?.is_owner || info.user?.is_primary_owner);
  let name = command.rest;
  if (!name && isWorkspaceAdmin) {
    const team = await client.team.info({});
    name = team.team?.name ?? body.team_domain;
  }
  const organization = await context.services.organizations.setup(actor, {
    name,
    email: info.user?.profile?.email ?? null,
    isWorkspaceAdmin,
  });
  context.log.info({ organizationId: organization.id }, 'organization set up');
  await reply(
    plainMessage(
      `:tada: *${escapeMrkdwn(organization.name)}* is set up. Organization ID: \`${organization.id}\`. ` +
        'You are its first Admin. Try `/org overview` or `/org help`.',
    ),
  );
};
