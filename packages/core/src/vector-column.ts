import { ConfigError } from './errors.js';

/**
 * The vector column a search uses: the one named by `requested`, or the table's only one. Every
 * `MemoryStore` resolves `SearchOptions.vectorColumn` this way, so the errors read the same.
 * @throws ConfigError when the named column is not a vector column, or none was named and the table
 * has no vector column or several.
 */
export function chooseVectorColumn<TColumn extends { name: string }>(
  label: string,
  vectorColumns: readonly TColumn[],
  requested: string | undefined,
): TColumn {
  if (requested !== undefined) {
    const column = vectorColumns.find((candidate) => candidate.name === requested);
    if (!column) {
      throw new ConfigError(`${label}: "${requested}" is not a vector column`, [
        { path: 'vectorColumn', message: 'not a vector column' },
      ]);
    }
    return column;
  }
  const [only, ...others] = vectorColumns;
  if (!only) throw new ConfigError(`${label} has no vector column to search`);
  if (others.length > 0) {
    throw new ConfigError(`${label} has several vector columns; pass vectorColumn`, [
      { path: 'vectorColumn', message: 'required when a table has several vector columns' },
    ]);
  }
  return only;
}
