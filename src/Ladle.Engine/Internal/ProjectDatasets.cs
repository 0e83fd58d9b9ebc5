using Ladle.Core.Errors;
using Ladle.Core.Loading;
using Ladle.Core.Model;

namespace Ladle.Engine.Internal;

/// <summary>Looks datasets up by name the way every part reports a wrong one.</summary>
internal static class ProjectDatasets
{
    /// <summary>The dataset by name, or a 404 that suggests the closest name.</summary>
    public static DatasetDefinition GetDataset(this ProjectDefinition project, string name) =>
        project.FindDataset(name) ?? throw new NotFoundException(
            $"no dataset '{name}' ({Suggest.Hint(name, project.Datasets.Select(d => d.Name).ToList())})");
}
