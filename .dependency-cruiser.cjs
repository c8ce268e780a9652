/**
 * Layer rules of the house (DESIGN.md §6), checked by `npm run depcheck` (part of `npm test`).
 *
 *   front ends   src/slack/  src/http/  src/console/   (never import each other)
 *   domain       src/domain/  (services, entities, rules, coded errors, and the ports it needs: …/ports.ts)
 *   adapters     src/db/  src/mail/  (implement the domain's ports)
 *   composition  src/app.ts, src/adapters.ts, src/main.ts (wire ports to adapters; the console runs through app)
 *   neutral      src/lib/  (leaf helpers any ring may import: body reader, base32, Slack entity escaping, backoff)
 *
 * A forbidden import fails with the rule's name, e.g.
 * `error domain-not-outer-rings: src/domain/x.ts → src/slack/y.ts`. test/unit/layer-rules.test.ts shows that each
 * rule fires.
 * @type {import('dependency-cruiser').IConfiguration}
 */
/** knex, the SQL drivers and every MikroORM package but core: what only src/db may import. */
const SQL_DRIVERS = [
  '(^|/)node_modules/(knex|sqlite3|better-sqlite3|pg|mysql2|mariadb|tedious|libsql)/',
  '(^|/)node_modules/@mikro-orm/(?!core/)[^/]+/',
];

module.exports = {
  forbidden: [
    {
      name: 'domain-not-outer-rings',
      severity: 'error',
      comment:
        'The domain imports nothing from the rings around it: no Slack side, HTTP, mail, console, stand-in, ' +
        'configuration, logger (it declares its own DomainLogger), composition root or src/db. It declares a port ' +
        '(an interface in src/domain/…/ports.ts) and src/app.ts wires the implementation in.',
      from: { path: '^src/domain/' },
      to: {
        path: [
          '^src/(slack|http|mail|console|standin|db)/',
          '^src/(config|app|main|migrate|adapters|logger)\\.ts$',
          '^migrations/',
          '^manifest/',
        ],
      },
    },
    {
      name: 'domain-no-slack-outbox',
      severity: 'error',
      comment:
        "Slack's delivery outbox (slack_deliveries) and the posted copies of messages about invitations " +
        '(invitation_messages, channel and ts) are Slack facts, owned by src/slack/deliveries: the domain tells ' +
        'its notifier ports what happened and imports no module of that name, wherever it stands.',
      from: { path: '^src/domain/' },
      to: { path: '(^|/)(slack-deliver[^/]*|invitation-message[^/]*)$' },
    },
    {
      name: 'domain-no-sql-driver',
      severity: 'error',
      comment:
        'The domain speaks to storage through MikroORM core (its EntityManager and entity schemas) and its own ' +
        'ports; knex, the SQL drivers and MikroORM driver packages are for src/db.',
      from: { path: '^src/domain/' },
      to: {
        path: SQL_DRIVERS,
      },
    },
    {
      name: 'driver-only-in-db',
      severity: 'error',
      comment:
        'Only src/db opens the database: the front ends, the mail outbox and the composition roots take ' +
        "@mikro-orm/core's EntityManager and src/db's Orm, so a second database (PostgreSQL) changes src/db alone. " +
        'knex, the SQL drivers and MikroORM driver packages are for src/db (the domain has its own rule).',
      from: { path: '^src/', pathNot: '^src/(db|domain)/' },
      to: {
        path: SQL_DRIVERS,
      },
    },
    {
      name: 'slack-not-http',
      severity: 'error',
      comment:
        'The Slack side and the HTTP side are separate front ends; they meet through ports wired in src/app.ts.',
      from: { path: '^src/slack/' },
      to: { path: '^src/http/' },
    },
    {
      name: 'http-not-slack',
      severity: 'error',
      comment:
        'The HTTP side (token endpoint, REST API, invitation page) reaches Slack only through domain ports.',
      from: { path: '^src/http/' },
      to: { path: '^src/slack/' },
    },
    {
      name: 'console-apart',
      severity: 'error',
      comment:
        'The console is a front end of its own (DESIGN.md §6): it drives the real app through src/app.ts and the ' +
        'Slack stand-in, and neither the Slack side nor the HTTP side imports it.',
      from: { path: '^src/(slack|http)/' },
      to: { path: '^src/console/' },
    },
    {
      name: 'console-not-slack-or-http',
      severity: 'error',
      comment: 'The console reaches the Slack and HTTP sides only through the running app (src/app.ts).',
      from: { path: '^src/console/' },
      to: { path: '^src/(slack|http)/' },
    },
    {
      name: 'adapters-not-front-ends',
      severity: 'error',
      comment:
        "src/db and src/mail implement the domain's ports; they import no front end and no composition root.",
      from: { path: '^src/(db|mail)/' },
      to: { path: ['^src/(slack|http|console)/', '^src/(app|main|adapters)\\.ts$'] },
    },
    {
      name: 'listener-not-listener',
      severity: 'error',
      comment:
        'A Slack listener file (src/slack/<folder>/*.command.ts, *.action.ts, *.view.ts, *.event.ts) never imports ' +
        'another one: what two listeners share goes in a helper of their feature or in src/slack/shared/. Each ' +
        "feature's register.ts and src/slack/register.ts wire them (they are not listeners).",
      from: { path: '^src/slack/.+\\.(command|action|view|event)\\.ts$' },
      to: { path: '^src/slack/.+\\.(command|action|view|event)\\.ts$' },
    },
    {
      name: 'feature-not-feature',
      severity: 'error',
      comment:
        'A Slack feature (src/slack/{organization,members,invitations,clients,home,installations}/) imports nothing of another ' +
        'feature but its pure Block Kit builders (*.blocks.ts): no listener, no register, no helper. What several ' +
        'features need belongs in src/slack/shared/. A new feature folder is added to this list and to ' +
        'shared-not-features.',
      from: { path: '^src/slack/(organization|members|invitations|clients|home|installations)/' },
      to: {
        path: '^src/slack/(organization|members|invitations|clients|home|installations)/',
        pathNot: ['^src/slack/$1/', '\\.blocks\\.ts$'],
      },
    },
    {
      name: 'shared-not-features',
      severity: 'error',
      comment:
        'src/slack/shared/ (dispatch tables, the /org router, listener types, common Block Kit pieces, text parsing, ' +
        'replies) is below the features: it imports none of them. Only src/slack/register.ts assembles them.',
      from: { path: '^src/slack/shared/' },
      to: { path: '^src/slack/(organization|members|invitations|clients|home|installations)/' },
    },
    {
      name: 'lib-is-a-leaf',
      severity: 'error',
      comment:
        'src/lib holds neutral helpers that several rings use (the request body reader, the base32 encoder, ' +
        'the escaping of the three Slack entities); it imports nothing of the app outside src/lib, so any ring may import it.',
      from: { path: '^src/lib/' },
      to: { path: '^(src/(?!lib/)|migrations/|manifest/)' },
    },
    {
      name: 'runtime-not-dev-dependencies',
      severity: 'error',
      comment:
        'What runs in production (src/, migrations/) imports only dependencies: `npm ci --omit=dev` leaves out the ' +
        'devDependencies (tsx, TypeScript, the test and benchmark tools), so an import of one would fail at start ' +
        'in the container image. Type-only imports count too (keep them in dependencies or out of src/).',
      from: { path: '^(src|migrations)/' },
      to: { dependencyTypes: ['npm-dev'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles anywhere (type-only imports count too).',
      from: { path: '^(src|migrations|manifest)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
