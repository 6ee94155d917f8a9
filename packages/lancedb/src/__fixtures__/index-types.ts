/** Column(s) → LanceDB's index type (`BTree`, `Bitmap`, `IvfFlat`, `FTS`, ...) of a table, read directly from LanceDB. */
export async function indexTypes(uri: string, tableName: string): Promise<Record<string, string>> {
  const lancedb = await import('@lancedb/lancedb');
  const connection = await lancedb.connect(uri);
  try {
    const table = await connection.openTable(tableName);
    const indices = await table.listIndices();
    return Object.fromEntries(indices.map((index) => [index.columns.join(','), index.indexType]));
  } finally {
    connection.close();
  }
}
