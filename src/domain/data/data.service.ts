import type { EntityManager } from '@mikro-orm/core';
import type { Clock } from '../actor.js';
import { recordAudit } from '../audit/audit.js';
import { type DataItemKind, NotFoundError } from '../errors.js';
import { truncateGraphemes } from '../graphemes.js';
import { Member } from '../members/member.entity.js';
import type { Organization } from '../organizations/organization.entity.js';
import { displayName, parseInput } from '../validation.js';
import { DataLayer, DataSource } from './data.entity.js';

/** The two kinds of data the API manages (and the overview counts). */
export type DataKind = DataItemKind;

/** Longest data source or layer name, in characters (code points). */
export const MAX_DATA_NAME_LENGTH = 120;
/** Largest page the API serves. */
export const MAX_PER_PAGE = 100;

/** A data source or layer name (see {@link displayName}), at most 120 characters. */
export const DataName = displayName({
  max: MAX_DATA_NAME_LENGTH,
  what: 'name',
  empty: 'name must not be empty.',
  anyText: true,
});

/** Who changes data: an API client of the organization (recorded in the audit event's details). */
export interface DataCaller {
  organization: Organization;
  clientId: string;
}

/** A data source or layer as the API shows it. */
export interface DataItem {
  id: string;
  name: string;
  createdAt: Date;
}

/** One page of a list; `page` counts from 1. */
export interface DataPage {
  items: DataItem[];
  page: number;
  perPage: number;
  total: number;
}

/** The overview's metrics of an organization. */
export interface OrganizationMetrics {
  members: number;
  admins: number;
  dataLayers: number;
  dataSources: number;
}

const ENTITY = { data_source: DataSource, data_layer: DataLayer } as const;

/**
 * Data sources and data layers of one organization, for the REST API (issue 4 §5). Every method is scoped to the
 * caller's organization: an id of another organization's item is "not found". Changes are audited.
 */
export class DataService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
  ) {}

  /**
   * A page of items, oldest first (stable across pages).
   * @param page 1-based; past the end gives an empty page
   * @param perPage 1–100
   */
  async list(caller: DataCaller, kind: DataKind, page: number, perPage: number): Promise<DataPage> {
    const entity = ENTITY[kind];
    const where = { organization: caller.organization };
    const [rows, total] = await this.em.findAndCount(entity, where, {
      orderBy: { createdAt: 'asc', id: 'asc' },
      limit: perPage,
      offset: (page - 1) * perPage,
    });
    return { items: rows.map(toItem), page, perPage, total };
  }

  /**
   * One item of the caller's organization.
   * @throws NotFoundError when there is no such item in the organization
   */
  async get(caller: DataCaller, kind: DataKind, id: string): Promise<DataItem> {
    const item = await this.em.findOne(ENTITY[kind], { id, organization: caller.organization });
    if (!item) throw new NotFoundError('data_item_not_found', { kind, id: truncateGraphemes(id, 64) });
    return toItem(item);
  }

  /**
   * Creates an item.
   * @param name raw input, validated here
   * @throws InvalidInputError (field `name`)
   */
  async create(caller: DataCaller, kind: DataKind, name: unknown): Promise<DataItem> {
    const valid = parseInput(DataName, name, 'name');
    return this.em.transactional(async (em) => {
      const now = this.clock.now();
      const item =
        kind === 'data_source'
          ? new DataSource(caller.organization, valid, now)
          : new DataLayer(caller.organization, valid, now);
      em.persist(item);
      recordAudit(em, {
        organization: caller.organization,
        actor: null,
        action: `${kind}.created`,
        targetType: kind,
        targetId: item.id,
        details: { name: valid, clientId: caller.clientId },
        at: now,
      });
      return toItem(item);
    });
  }

  /**
   * Deletes an item of the caller's organization.
   * @throws NotFoundError when there is no such item in the organization
   */
  async delete(caller: DataCaller, kind: DataKind, id: string): Promise<void> {
    await this.em.transactional(async (em) => {
      const item = await em.findOne(ENTITY[kind], { id, organization: caller.organization });
      if (!item) throw new NotFoundError('data_item_not_found', { kind, id: truncateGraphemes(id, 64) });
      em.remove(item);
      recordAudit(em, {
        organization: caller.organization,
        actor: null,
        action: `${kind}.deleted`,
        targetType: kind,
        targetId: item.id,
        details: { name: item.name, clientId: caller.clientId },
        at: this.clock.now(),
      });
    });
  }

  /** The overview's metrics (as `/org overview` shows them). */
  async metrics(organization: Organization): Promise<OrganizationMetrics> {
    return organizationMetrics(this.em, organization);
  }
}

/**
 * The overview's metrics of an organization: its members, its Admins, its data layers and data sources (four
 * counts, read in parallel; no access check, the caller has done it).
 */
export async function organizationMetrics(
  em: EntityManager,
  organization: Organization,
): Promise<OrganizationMetrics> {
  const [members, admins, dataLayers, dataSources] = await Promise.all([
    em.count(Member, { organization }),
    em.count(Member, { organization, role: 'admin' }),
    em.count(DataLayer, { organization }),
    em.count(DataSource, { organization }),
  ]);
  return { members, admins, dataLayers, dataSources };
}

function toItem(row: DataSource | DataLayer): DataItem {
  return { id: row.id, name: row.name, createdAt: row.createdAt };
}
