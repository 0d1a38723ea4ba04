/**
 * A schema built on first use: `lazySchema(() => z.looseObject({...}))` is typed and behaves as the
 * schema itself, but nothing is constructed until a property is read (a parse, a `.shape`, zod
 * composing it into another schema). A command that never reads a checkpoint never pays for the
 * checkpoint's validator; `track get-active` builds only what it parses.
 */
export function lazySchema<T extends object>(build: () => T): T {
  let built: T | undefined;
  const real = (): T => {
    built ??= build();
    return built;
  };
  return new Proxy({} as T, {
    get: (_target, key) => Reflect.get(real(), key),
    set: (_target, key, value) => Reflect.set(real(), key, value),
    has: (_target, key) => Reflect.has(real(), key),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
      // A proxy may report a property only as configurable, as its (empty) target has none.
      return descriptor ? { ...descriptor, configurable: true } : undefined;
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
  });
}
