/**
 * The load: signed `/org` slash commands in Slack's form-encoded format
 * (https://docs.slack.dev/interactivity/implementing-slash-commands#app_command_handling), sent with autocannon.
 */
import autocannon from 'autocannon';
import { signSlackRequest } from '../../src/standin/signing.js';

/** One request autocannon sends (it cycles through the list on each connection). */
export interface SignedRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * Builds one signed `/org <text>` request per caller. Each is signed with the current time: Bolt accepts it for 5
 * minutes, longer than a benchmark phase.
 * @param callers Slack user ids and the command text each one sends
 * @param responseUrl where the app posts its reply (the loopback sink)
 */
export function signedSlashCommands(options: {
  signingSecret: string;
  teamId: string;
  callers: { userId: string; text: string }[];
  responseUrl: string;
}): SignedRequest[] {
  return options.callers.map(({ userId, text }, i) => {
    const body = new URLSearchParams({
      token: 'bench-verification-token',
      team_id: options.teamId,
      team_domain: 'bench',
      channel_id: 'C0BENCH',
      channel_name: 'general',
      user_id: userId,
      user_name: `user${i}`,
      command: '/org',
      text,
      api_app_id: 'A0STANDIN',
      is_enterprise_install: 'false',
      response_url: `${options.responseUrl}/commands/${i}`,
      trigger_id: `${1000 + i}.1.bench${i}`,
    }).toString();
    return {
      method: 'POST',
      path: '/slack/events',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...signSlackRequest(options.signingSecret, body),
      },
      body,
    };
  });
}

/** What one load phase measured. Latencies in milliseconds. */
export interface LoadSummary {
  p50: number;
  p99: number;
  max: number;
  /** Mean responses per second over the phase. */
  rps: number;
  /** Responses received. */
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationS: number;
  /** Acks that carried a message (the answer in the acknowledgement, so no `response_url` post follows). */
  answeredInAck: number;
}

/**
 * Runs autocannon against `baseUrl` for `durationS` seconds.
 * @param timeoutS a response slower than this counts as a timeout (an error)
 */
export async function runLoad(
  baseUrl: string,
  requests: SignedRequest[],
  options: { connections: number; durationS: number; timeoutS: number; overallRate?: number },
): Promise<LoadSummary> {
  let answeredInAck = 0;
  const counted = requests.map((r) => ({
    ...r,
    onResponse: (status: number, body: string) => {
      if (status === 200 && body.length > 0) answeredInAck += 1;
    },
  }));
  const result = await autocannon({
    url: baseUrl,
    connections: options.connections,
    duration: options.durationS,
    timeout: options.timeoutS,
    requests: counted,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
  });
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    rps: result.requests.average,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationS: result.duration,
    answeredInAck,
  };
}
