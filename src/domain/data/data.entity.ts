import { randomUUID } from 'node:crypto';
import { EntitySchema } from '@mikro-orm/core';
import { BaseEntity, BaseEntitySchema } from '../base.entity.js';
import { belongsToOrganization, type Organization } from '../organizations/organization.entity.js';

/**
 * What a data source and a data layer share: a named item of one organization. Not an entity of its own (no schema);
 * each subclass has its table.
 */
abstract class OrganizationDataItem extends BaseEntity {
  organization: Organization;
  name: string;
  constructor(organization: Organization, name: string, now: Date) {
    super();
    this.id = randomUUID();
    this.organization = organization;
    this.name = name;
    this.createdAt = now;
    this.updatedAt = now;
  }
}

/** A data source of an organization (what the overview counts). */
export class DataSource extends OrganizationDataItem {}

/** A data layer of an organization (what the overview counts). */
export class DataLayer extends OrganizationDataItem {}

const dataProperties = {
  organization: belongsToOrganization,
  name: { type: 'text' },
};

export const DataSourceSchema = new EntitySchema<DataSource, BaseEntity>({
  class: DataSource,
  extends: BaseEntitySchema,
  tableName: 'data_sources',
  properties: dataProperties,
});

export const DataLayerSchema = new EntitySchema<DataLayer, BaseEntity>({
  class: DataLayer,
  extends: BaseEntitySchema,
  tableName: 'data_layers',
  properties: dataProperties,
});
