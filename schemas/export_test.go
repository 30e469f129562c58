package schemas

// CachedSchemas exposes the size of a SchemaRegistry's id cache to tests.
func CachedSchemas(r *SchemaRegistry) int { return r.cached() }

// MaxCachedSchemas is the cache bound, for tests.
const MaxCachedSchemas = maxCachedSchemas
