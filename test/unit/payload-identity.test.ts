import type { AnyMiddlewareArgs } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { payloadIdentity } from '../../src/slack/context.js';

const of = (body: Record<string, unknown>) => payloadIdentity({ body } as unknown as AnyMiddlewareArgs);

describe('payloadIdentity: whose workspace a payload and its user belong to', () => {
  it('reads the user’s own workspace from block_actions `user.team_id`, apart from the payload’s `team`', () => {
    expect(
      of({
        type: 'block_actions',
        team: { id: 'T0HOME', domain: 'home' },
        user: { id: 'U0PARTNER', team_id: 'T0PARTNER' },
      }),
    ).toEqual({ teamId: 'T0HOME', userId: 'U0PARTNER', userTeamId: 'T0PARTNER', type: 'block_actions' });
  });

  it('under Grid, a `user.team_id` that is the payload’s enterprise reads as the workspace', () => {
    const id = of({
      type: 'view_submission',
      team: { id: 'T0HOME', enterprise_id: 'E0GRID' },
      enterprise: { id: 'E0GRID', name: 'Grid' },
      user: { id: 'U1', team_id: 'E0GRID' },
    });
    expect(id.userTeamId).toBe('T0HOME');
    const other = of({
      type: 'view_submission',
      team: { id: 'T0HOME', enterprise_id: 'E0GRID' },
      user: { id: 'U2', team_id: 'E0OTHER' },
    });
    expect(other.userTeamId).toBe('E0OTHER');
  });

  it('a slash command says nothing of the user’s workspace (users.info does)', () => {
    expect(of({ command: '/org', team_id: 'T0HOME', user_id: 'U1' })).toEqual({
      teamId: 'T0HOME',
      userId: 'U1',
      type: '/org',
    });
  });
});
