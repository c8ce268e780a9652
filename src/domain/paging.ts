/** A page of a list; `page` counts from 1. */
export interface Page<T> {
  items: T[];
  page: number;
  pageCount: number;
  total: number;
  pageSize: number;
}

/**
 * Where page `page` of a list of `total` items lies: the page clamped into range (a page past the last is the
 * last; anything not a positive number is the first), the page count (at least 1) and the offset of its first item.
 * @param page 1-based, as asked for (any number)
 * @param pageSize items per page, at least 1
 */
export function pageBounds(
  total: number,
  page: number,
  pageSize: number,
): Omit<Page<never>, 'items'> & { offset: number } {
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const current = Math.min(Math.max(1, Math.trunc(page) || 1), pageCount);
  return { page: current, pageCount, total, pageSize, offset: (current - 1) * pageSize };
}
