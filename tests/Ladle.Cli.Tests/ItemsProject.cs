using Microsoft.Data.Sqlite;

namespace Ladle.Cli.Tests;

/// <summary>A small project with one table dataset, 'items', read from a SQLite source of as many rows as asked.</summary>
internal static class ItemsProject
{
    /// <summary>Writes the project into <paramref name="dir"/>: ladle.yaml, datasets/items.yaml and data/crm.sqlite.</summary>
    public static void Write(string dir, string name, int rows)
    {
        Directory.CreateDirectory(Path.Combine(dir, "datasets"));
        Directory.CreateDirectory(Path.Combine(dir, "data"));
        File.WriteAllText(Path.Combine(dir, "ladle.yaml"), $"""
            name: {name}
            sources:
              crm:
                kind: sqlite
                path: data/crm.sqlite
            """);
        File.WriteAllText(Path.Combine(dir, "datasets", "items.yaml"), """
            name: items
            source: crm
            table: items
            primary_key: [id]
            columns:
              - { name: id, type: integer }
              - { name: name, type: string }
              - { name: price, type: double }
            """);
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dir, "data", "crm.sqlite")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL); " +
            $"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) INSERT INTO items SELECT i, 'item number ' || i, i * 0.25 FROM n";
        command.ExecuteNonQuery();
    }
}
