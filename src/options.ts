/** Drop keys whose value is undefined, so that `{ ...defaults, ...definedOnly(options) }` keeps the defaults. */
export function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
