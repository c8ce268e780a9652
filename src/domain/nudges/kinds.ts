/** The kinds of hygiene nudge the bot sends Admins (issue 15): each names a fact that calls for an action. */
export const NUDGE_KINDS = [
  'secret_grace_ending',
  'client_unused',
  'invitation_expiring',
  'request_waiting',
] as const;
/** One kind of nudge. */
export type NudgeKind = (typeof NUDGE_KINDS)[number];
/** What each kind of nudge is about, as `/org nudges` and the nudges themselves name it. */
export const NUDGE_LABELS: Record<NudgeKind, string> = {
  secret_grace_ending: 'Rotated secrets about to stop working',
  client_unused: 'API clients nobody uses',
  invitation_expiring: 'Invitations about to expire unanswered',
  request_waiting: 'Invitation requests waiting for a decision',
};
