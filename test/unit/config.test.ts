import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadDatabaseConfig } from '../../src/config.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

/** What HTTP and Socket Mode require beside the Slack credentials (invented example values). */
const production = {
  PUBLIC_URL: 'https://astrobee.example.com',
  SMTP_URL: 'smtp://mail.example.com:587',
  MAIL_FROM: 'AstroBee <astrobee@example.com>',
};

describe('loadConfig', () => {
  it('chooses console mode with no Slack credentials, with the documented defaults', () => {
    const config = loadConfig({});
    expect(config.mode).toBe('console');
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBe('sqlite:data/astrobee.sqlite');
    expect(config.slack.apiUrl).toBe('https://slack.com/api/');
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.logLevel).toBe('info');
  });

  it('chooses HTTP mode with a bot token and signing secret, and Socket Mode with an app token', () => {
    expect(loadConfig({ ...production, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'abc' }).mode).toBe(
      'http',
    );
    expect(loadConfig({ ...production, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).mode).toBe(
      'socket',
    );
  });

  it('refuses an empty signing secret, naming the variable', () => {
    const err = configError({ ...production, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: '' });
    expect(err.issues).toEqual([
      { variable: 'SLACK_SIGNING_SECRET', message: 'SLACK_SIGNING_SECRET must not be empty' },
    ]);
  });

  it('refuses a bot token without a signing secret or app token', () => {
    expect(configError({ SLACK_BOT_TOKEN: 'xoxb-1' }).message).toMatch(/SLACK_SIGNING_SECRET/);
  });

  it('names each bad variable', () => {
    const err = configError({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://x',
      LOG_LEVEL: 'loud',
      SLACK_API_URL: 'nope',
    });
    expect(err.issues.map((i) => i.variable).sort()).toEqual([
      'DATABASE_URL',
      'LOG_LEVEL',
      'PORT',
      'SLACK_API_URL',
    ]);
  });

  it('takes a PostgreSQL URL (postgres:// or postgresql://) and refuses one without a host', () => {
    for (const url of [
      'postgres://astrobee@db.example.com/astrobee',
      'postgresql://astrobee:secret@db.example.com:5433/astrobee?sslmode=require',
    ]) {
      expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    }
    const err = configError({ DATABASE_URL: 'postgres:astrobee' });
    expect(err.issues).toEqual([
      {
        variable: 'DATABASE_URL',
        message: expect.stringContaining('postgres://user:password@host:port/database'),
      },
    ]);
  });

  it('refuses a port out of range or not written as a plain number', () => {
    for (const PORT of ['70000', '0x10', '1e3', '-1', '80.5', 'eighty']) {
      expect(configError({ PORT }).issues.map((i) => i.variable)).toEqual(['PORT']);
    }
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    expect(loadConfig({ PORT: ' 8080 ' }).port).toBe(8080);
  });

  it('checks MAIL_FROM is an address, bare or with a display name', () => {
    expect(configError({ MAIL_FROM: 'notanemail' }).issues[0]?.variable).toBe('MAIL_FROM');
    expect(loadConfig({ MAIL_FROM: 'astrobee@example.com' }).mailFrom).toBe('astrobee@example.com');
    expect(loadConfig({ MAIL_FROM: 'AstroBee <astrobee@example.com>' }).mailFrom).toBe(
      'AstroBee <astrobee@example.com>',
    );
  });

  it('adds the trailing slash Slack API URLs need and derives PUBLIC_URL from PORT', () => {
    const config = loadConfig({ SLACK_API_URL: 'http://127.0.0.1:9999/api', PORT: '4000' });
    expect(config.slack.apiUrl).toBe('http://127.0.0.1:9999/api/');
    expect(config.publicUrl).toBe('http://localhost:4000');
  });

  it('reads the Slack delivery worker settings (poll every 5 s, 12 attempts by default) and refuses bad ones', () => {
    expect(loadConfig({})).toMatchObject({ slackDeliveryIntervalMs: 5000, slackDeliveryMaxAttempts: 12 });
    expect(loadConfig({ SLACK_DELIVERY_INTERVAL_MS: '250', SLACK_DELIVERY_MAX_ATTEMPTS: '3' })).toMatchObject(
      { slackDeliveryIntervalMs: 250, slackDeliveryMaxAttempts: 3 },
    );
    const err = configError({ SLACK_DELIVERY_INTERVAL_MS: '10', SLACK_DELIVERY_MAX_ATTEMPTS: '0' });
    expect(err.issues.map((i) => i.variable).sort()).toEqual([
      'SLACK_DELIVERY_INTERVAL_MS',
      'SLACK_DELIVERY_MAX_ATTEMPTS',
    ]);
  });

  it('reads the outbox leases (2 min for mail, 1 min for Slack deliveries by default) and refuses under 1 s', () => {
    expect(loadConfig({})).toMatchObject({ mailClaimMs: 120_000, slackDeliveryClaimMs: 60_000 });
    expect(loadConfig({ MAIL_CLAIM_MS: '2000', SLACK_DELIVERY_CLAIM_MS: '1500' })).toMatchObject({
      mailClaimMs: 2000,
      slackDeliveryClaimMs: 1500,
    });
    const err = configError({ MAIL_CLAIM_MS: '999', SLACK_DELIVERY_CLAIM_MS: 'soon' });
    expect(err.issues.map((i) => i.variable).sort()).toEqual(['MAIL_CLAIM_MS', 'SLACK_DELIVERY_CLAIM_MS']);
  });

  it('reads the drain deadline (10 s by default) and refuses a negative or fractional one', () => {
    expect(loadConfig({}).drainTimeoutMs).toBe(10_000);
    expect(loadConfig({ DRAIN_TIMEOUT_MS: '2500' }).drainTimeoutMs).toBe(2500);
    for (const bad of ['-1', '1.5', 'soon']) {
      expect(configError({ DRAIN_TIMEOUT_MS: bad }).issues.map((i) => i.variable)).toEqual([
        'DRAIN_TIMEOUT_MS',
      ]);
    }
  });
});

describe('distribution mode (Slack OAuth install)', () => {
  const oauth = {
    SLACK_CLIENT_ID: '1111.2222',
    SLACK_CLIENT_SECRET: 'client-secret-example',
    SLACK_STATE_SECRET: 'state-secret-example-0123456789abcdef',
    SLACK_SIGNING_SECRET: 'signing-secret',
    INSTALLATION_KEY: 'installation-key-example-0123456789abcdef',
    ...production,
  };

  it('is chosen by the client credentials, over HTTP, with the key ring newest first', () => {
    const config = loadConfig({
      ...oauth,
      INSTALLATION_KEY: 'installation-key-example-0123456789abcdef, older-key-example-0123456789abcdefgh',
    });
    expect(config.mode).toBe('http');
    expect(config.slack.oauth).toEqual({
      clientId: '1111.2222',
      clientSecret: 'client-secret-example',
      stateSecret: 'state-secret-example-0123456789abcdef',
      authorizeUrl: 'https://slack.com/oauth/v2/authorize',
    });
    expect(config.slack.botToken).toBeUndefined();
    expect(config.installationKeys).toEqual([
      'installation-key-example-0123456789abcdef',
      'older-key-example-0123456789abcdefgh',
    ]);
    expect(loadConfig({ ...oauth, SLACK_APP_TOKEN: 'xapp-1' }).mode).toBe('socket');
  });

  it('names each missing piece: a client credential, INSTALLATION_KEY, the signing secret', () => {
    const { SLACK_CLIENT_SECRET: _s, ...noSecret } = oauth;
    expect(configError(noSecret).issues.map((i) => i.variable)).toEqual(['SLACK_CLIENT_SECRET']);
    const { INSTALLATION_KEY: _k, ...noKey } = oauth;
    expect(configError(noKey).issues).toEqual([
      {
        variable: 'INSTALLATION_KEY',
        message:
          "INSTALLATION_KEY is required in distribution mode (it encrypts the installations' tokens at rest)",
      },
    ]);
    const { SLACK_SIGNING_SECRET: _g, ...noSigning } = oauth;
    expect(configError(noSigning).issues.map((i) => i.variable)).toEqual(['SLACK_SIGNING_SECRET']);
  });

  it('refuses a bot token beside the client credentials, short keys and a short state secret', () => {
    expect(configError({ ...oauth, SLACK_BOT_TOKEN: 'xoxb-1' }).issues.map((i) => i.variable)).toEqual([
      'SLACK_BOT_TOKEN',
    ]);
    expect(
      configError({ ...oauth, INSTALLATION_KEY: 'installation-key-example-0123456789abcdef,short' }).issues[0]
        ?.variable,
    ).toBe('INSTALLATION_KEY');
    expect(configError({ ...oauth, SLACK_STATE_SECRET: 'short' }).issues[0]?.variable).toBe(
      'SLACK_STATE_SECRET',
    );
  });
});

describe('HTTP and Socket Mode refuse what would mislead in production', () => {
  const http = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'abc' };
  const socket = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' };

  it('refuses a PUBLIC_URL with a query string, a fragment or credentials: links are built by appending to it', () => {
    for (const bad of [
      'https://astrobee.example.com?x=1',
      'https://astrobee.example.com/#top',
      'https://user:pw@astrobee.example.com',
    ]) {
      expect(
        () =>
          loadConfig({
            ...production,
            SLACK_BOT_TOKEN: 'xoxb-1',
            SLACK_SIGNING_SECRET: 'abc',
            PUBLIC_URL: bad,
          }),
        bad,
      ).toThrow(/\n {2}PUBLIC_URL must be a base URL/);
    }
    expect(
      loadConfig({
        ...production,
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 'abc',
        PUBLIC_URL: 'https://example.com/astrobee/',
      }).publicUrl,
    ).toBe('https://example.com/astrobee');
  });

  it('requires PUBLIC_URL, SMTP_URL and MAIL_FROM, each named, in both modes', () => {
    for (const slack of [http, socket]) {
      const err = configError(slack);
      expect(err.issues.map((i) => i.variable)).toEqual(['PUBLIC_URL', 'SMTP_URL', 'MAIL_FROM']);
      expect(err.message).toContain('PUBLIC_URL is required in HTTP and Socket Mode');
      expect(err.message).toContain(
        'SMTP_URL is required in HTTP and Socket Mode, unless MAIL_DISABLED=true',
      );
      const { MAIL_FROM: _f, ...noFrom } = production;
      expect(configError({ ...slack, ...noFrom }).issues.map((i) => i.variable)).toEqual(['MAIL_FROM']);
    }
  });

  it('takes MAIL_DISABLED=true instead of SMTP_URL and MAIL_FROM, but still requires PUBLIC_URL', () => {
    const config = loadConfig({
      ...http,
      PUBLIC_URL: 'https://astrobee.example.com/',
      MAIL_DISABLED: 'true',
    });
    expect(config).toMatchObject({
      mode: 'http',
      mailDisabled: true,
      publicUrl: 'https://astrobee.example.com',
    });
    expect(config.smtpUrl).toBeUndefined();
    expect(configError({ ...socket, MAIL_DISABLED: 'true' }).issues.map((i) => i.variable)).toEqual([
      'PUBLIC_URL',
    ]);
    expect(loadConfig({ ...http, ...production }).mailDisabled).toBe(false);
  });

  it('refuses MAIL_DISABLED=true beside SMTP_URL as contradictory, and a MAIL_DISABLED that is not true/false', () => {
    expect(configError({ ...http, ...production, MAIL_DISABLED: 'true' }).issues).toEqual([
      {
        variable: 'MAIL_DISABLED',
        message: expect.stringContaining('MAIL_DISABLED=true and SMTP_URL exclude'),
      },
    ]);
    expect(configError({ MAIL_DISABLED: 'yes' }).issues.map((i) => i.variable)).toEqual(['MAIL_DISABLED']);
    // The contradiction is refused in console mode too: it is never what anyone meant.
    expect(configError({ MAIL_DISABLED: 'true', SMTP_URL: production.SMTP_URL }).issues[0]?.variable).toBe(
      'MAIL_DISABLED',
    );
  });

  it('keeps console mode free of these requirements (localhost links, printed mail)', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      mode: 'console',
      mailDisabled: false,
      publicUrl: 'http://localhost:3000',
    });
  });
});

describe('TRUST_PROXY', () => {
  it('is off by default and with false or 0', () => {
    expect(loadConfig({}).trustProxy).toEqual({ kind: 'off' });
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toEqual({ kind: 'off' });
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toEqual({ kind: 'off' });
  });

  it('takes a hop count, or a list of IPv4 and IPv6 addresses, CIDR ranges and proxy-addr names', () => {
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toEqual({ kind: 'hops', hops: 2 });
    expect(loadConfig({ TRUST_PROXY: ' 10.0.0.0/8, fd00::/8,192.0.2.7 ,loopback' }).trustProxy).toEqual({
      kind: 'addresses',
      addresses: ['10.0.0.0/8', 'fd00::/8', '192.0.2.7', 'loopback'],
    });
  });

  it('refuses anything else, naming the variable', () => {
    for (const TRUST_PROXY of [
      'true',
      '10.0.0.0/33',
      '10.0.0.300',
      'proxy.example.com',
      '10.0.0.1,,',
      '-1',
      '99',
    ]) {
      const err = configError({ TRUST_PROXY });
      expect(err.issues).toEqual([
        { variable: 'TRUST_PROXY', message: expect.stringContaining('hop count') },
      ]);
    }
  });
});

describe('retention settings', () => {
  it('keeps finished outbox rows 30 days and audit events 365 days, hourly, by default', () => {
    expect(loadConfig({}).retention).toEqual({ intervalMs: 3_600_000, outboxDays: 30, auditDays: 365 });
  });

  it('takes AUDIT_RETENTION_DAYS=0 (keep forever) and refuses bad values, naming each', () => {
    expect(
      loadConfig({ AUDIT_RETENTION_DAYS: '0', OUTBOX_RETENTION_DAYS: '7', RETENTION_INTERVAL_MS: '5000' })
        .retention,
    ).toEqual({ intervalMs: 5000, outboxDays: 7, auditDays: 0 });
    const err = configError({
      AUDIT_RETENTION_DAYS: '-1',
      OUTBOX_RETENTION_DAYS: '0',
      RETENTION_INTERVAL_MS: 'soon',
    });
    expect(err.issues.map((i) => i.variable).sort()).toEqual([
      'AUDIT_RETENTION_DAYS',
      'OUTBOX_RETENTION_DAYS',
      'RETENTION_INTERVAL_MS',
    ]);
  });
});

describe('loadDatabaseConfig', () => {
  it('reads DATABASE_URL and LOG_LEVEL alone: a migration job needs no Slack or mail settings', () => {
    const env = {
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 'abc',
      DATABASE_URL: 'sqlite:data/x.sqlite',
    };
    expect(() => loadConfig(env)).toThrow(/PUBLIC_URL/);
    expect(loadDatabaseConfig(env)).toEqual({ databaseUrl: 'sqlite:data/x.sqlite', logLevel: 'info' });
    expect(() => loadDatabaseConfig({ DATABASE_URL: 'mysql://db.example.com/x' })).toThrow(
      /\n {2}DATABASE_URL must be/,
    );
  });
});
