/** The scope list and the parsing of scope names typed by people (`--scopes`) and stored in the database. */

import { describe, expect, it } from 'vitest';
import {
  ALL_SCOPES_TEXT,
  intersectScopes,
  parseScopeNames,
  parseStoredScopes,
  READ_SCOPES,
  SCOPE_DESCRIPTIONS,
  SCOPES,
} from '../../src/domain/clients/scopes.js';
import { takeScopesOption } from '../../src/slack/clients/client-scopes.js';
import { editScopesModal, scopesInputBlock } from '../../src/slack/clients/clients.blocks.js';

describe('scopes', () => {
  it('are the seven of issue 14, each with a one-line description; the read scopes are the defaults', () => {
    expect(SCOPES).toEqual([
      'organization:read',
      'members:read',
      'data-sources:read',
      'data-sources:write',
      'data-layers:read',
      'data-layers:write',
      'audit:read',
    ]);
    for (const scope of SCOPES) expect(SCOPE_DESCRIPTIONS[scope]).toMatch(/^[^\n]{10,75}$/);
    expect(READ_SCOPES).toEqual(SCOPES.filter((s) => s.endsWith(':read')));
    expect(ALL_SCOPES_TEXT).toBe(SCOPES.join(' '));
  });

  it('parses chosen names into the canonical order, ignoring repeats and blanks; refuses unknown names by name', () => {
    expect(parseScopeNames(['audit:read', ' organization:read', 'audit:read', ''])).toEqual([
      'organization:read',
      'audit:read',
    ]);
    expect(() => parseScopeNames(['members:read', 'admin:all', 'Members:Read', 'admin:all'])).toThrow(
      expect.objectContaining({
        code: 'scopes_unknown',
        field: 'scopes',
        params: expect.objectContaining({ unknown: 'admin:all, Members:Read' }),
      }),
    );
    expect(() => parseScopeNames([' ', ''])).toThrow(expect.objectContaining({ code: 'scopes_empty' }));
  });

  it('reads the stored form, dropping names that are no longer scopes; intersects in canonical order', () => {
    expect(parseStoredScopes('audit:read retired:scope organization:read')).toEqual([
      'organization:read',
      'audit:read',
    ]);
    expect(parseStoredScopes('')).toEqual([]);
    expect(intersectScopes(['audit:read', 'members:read'], ['members:read', 'organization:read'])).toEqual([
      'members:read',
    ]);
  });

  it('takes --scopes out of the create command wherever it stands', () => {
    expect(takeScopesOption('Nightly export')).toEqual({ rest: 'Nightly export', scopes: null });
    expect(takeScopesOption('Nightly export --scopes a,b')).toEqual({
      rest: 'Nightly export',
      scopes: ['a', 'b'],
    });
    expect(takeScopesOption('--scopes=a Nightly export')).toEqual({ rest: 'Nightly export', scopes: ['a'] });
    expect(takeScopesOption('Nightly --SCOPES a export')).toEqual({ rest: 'Nightly export', scopes: ['a'] });
    expect(takeScopesOption('Nightly --scopes')).toEqual({ rest: 'Nightly', scopes: [''] });
    // A name that merely contains the word is left alone.
    expect(takeScopesOption('Nightly--scopes')).toEqual({ rest: 'Nightly--scopes', scopes: null });
    // Spaces after the commas, and the dash a phone's smart punctuation makes of "--".
    expect(takeScopesOption('Nightly --scopes a, b ,c export')).toEqual({
      rest: 'Nightly export',
      scopes: ['a', ' b ', 'c'],
    });
    expect(takeScopesOption('Nightly \u2014scopes a')).toEqual({ rest: 'Nightly', scopes: ['a'] });
    expect(takeScopesOption('ETL - nightly')).toEqual({ rest: 'ETL - nightly', scopes: null });
    // Space-separated as OAuth's scope parameter is: each word with a colon is a scope name, not part of the name.
    expect(takeScopesOption('Space Sep --scopes organization:read members:read data-sources:read')).toEqual({
      rest: 'Space Sep',
      scopes: ['organization:read', 'members:read', 'data-sources:read'],
    });
    expect(takeScopesOption('Feed --scopes audit:read bogus:scope, members:read tail words')).toEqual({
      rest: 'Feed tail words',
      scopes: ['audit:read', 'bogus:scope', ' members:read'],
    });
  });

  it('asks for --scopes once when it is given twice', () => {
    expect(() => takeScopesOption('Twice --scopes audit:read --scopes members:read')).toThrow(
      /^Give `--scopes` once/,
    );
  });

  it('refuses a mistyped option rather than create a client named after it', () => {
    for (const typo of [
      'Typo --scope organization:read',
      'Typo -scopes audit:read',
      'Typo --scopes a --extra',
    ]) {
      expect(() => takeScopesOption(typo), typo).toThrow(
        /^Unknown option `-{1,2}[a-z]+`: the option is `--scopes a,b`/,
      );
    }
  });

  it('builds the checkbox group within Block Kit limits, ticking exactly the given scopes', () => {
    const block = scopesInputBlock(['members:read', 'audit:read']);
    expect(block.element.type).toBe('checkboxes');
    if (block.element.type !== 'checkboxes') return;
    expect(block.element.options.length).toBeLessThanOrEqual(10);
    for (const option of block.element.options) {
      expect(option.text.text.length).toBeLessThanOrEqual(75);
      expect(option.description?.text.length ?? 0).toBeLessThanOrEqual(75);
    }
    expect(block.element.initial_options?.map((o) => o.value)).toEqual(['members:read', 'audit:read']);
    expect(scopesInputBlock([]).element).not.toHaveProperty('initial_options');
    const view = editScopesModal({ id: 'cli_aaaaaaaaaaaaaaaaaaaa', name: 'A & <b>', scopes: [] }, '{}');
    expect(view.type === 'modal' && view.title.text.length).toBeLessThanOrEqual(24);
    expect(JSON.stringify(view.blocks)).toContain('A &amp; &lt;b&gt;');
  });
});
