import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Member } from '../../src/domain/members/member.entity.js';
import { type FreshDb, freshOrm } from '../support/db.js';

describe('the global EntityManager', () => {
  let db: FreshDb;
  beforeAll(async () => {
    db = await freshOrm();
  });
  afterAll(async () => db.close());

  it('is refused for entity work, so request code cannot share it by mistake (each payload forks its own)', async () => {
    await expect(db.orm.em.find(Member, {})).rejects.toThrow(/global EntityManager/);
    await expect(db.orm.em.fork().find(Member, {})).resolves.toEqual([]);
  });
});
