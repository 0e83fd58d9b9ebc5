using Ladle.Core.Model;

namespace Ladle.Server.Queries;

/// <summary>
/// The catalog's search (<c>GET /api/v1/datasets?q=</c>): every word of the query must appear, case-insensitively, in
/// the dataset's name, domain, owner, description, or a column's name or description: the declared columns, or for a
/// dataset that declares none the columns its published version has. Each hit says where its words were found, so a
/// reader sees why a dataset matched ("column customer_email").
/// </summary>
public static class CatalogSearch
{
    /// <summary>The longest query accepted; a longer one is a 400 naming <c>q</c>.</summary>
    public const int MaxQueryLength = 200;

    /// <summary>The words of a query (split on white space), or throws naming <c>q</c>.</summary>
    public static IReadOnlyList<string> Words(string? query)
    {
        if (string.IsNullOrWhiteSpace(query)) return [];
        if (query.Length > MaxQueryLength)
            throw new Core.Errors.InvalidRequestException($"q is {query.Length} characters long; a catalog search takes at most {MaxQueryLength}", "q");
        return query.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Where the words are found in <paramref name="dataset"/> (e.g. "name", "column email"), or null when one of them is not.</summary>
    /// <param name="served">The columns the dataset serves when it declares none (its published version's), or null.</param>
    public static IReadOnlyList<string>? Match(DatasetDefinition dataset, IReadOnlyList<string> words, IReadOnlyList<SchemaColumn>? served = null)
    {
        if (words.Count == 0) return [];
        var found = new List<string>();
        foreach (var word in words)
        {
            var places = Places(dataset, word, served).ToList();
            if (places.Count == 0) return null;
            foreach (var place in places) if (!found.Contains(place)) found.Add(place);
        }
        return found;
    }

    private static IEnumerable<string> Places(DatasetDefinition dataset, string word, IReadOnlyList<SchemaColumn>? served)
    {
        if (Has(dataset.Name, word)) yield return "name";
        if (Has(dataset.Domain, word)) yield return "domain";
        if (Has(dataset.Owner, word)) yield return "owner";
        if (Has(dataset.Description, word)) yield return "description";
        foreach (var column in dataset.Columns)
            if (Has(column.Name, word) || Has(column.Description, word)) yield return "column " + column.Name;
        if (dataset.Columns.Count > 0 || served is null) yield break;
        foreach (var column in served)
            if (Has(column.Name, word) || Has(column.Description, word)) yield return "column " + column.Name;
    }

    private static bool Has(string? text, string word) => text is not null && text.Contains(word, StringComparison.OrdinalIgnoreCase);
}
