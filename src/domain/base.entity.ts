import { EntitySchema } from '@mikro-orm/core';

/** Common columns: a string primary key and creation/update times (UTC). */
export abstract class BaseEntity {
  id!: string;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const BaseEntitySchema = new EntitySchema<BaseEntity>({
  name: 'BaseEntity',
  abstract: true,
  properties: {
    id: { type: 'text', primary: true },
    createdAt: { type: 'Date', fieldName: 'created_at' },
    updatedAt: { type: 'Date', fieldName: 'updated_at', onUpdate: () => new Date() },
  },
});
