using Ladle.Core.Model;

namespace Ladle.Engine.Features;

/// <summary>The online backend ladle.yaml's <c>features.online</c> names.</summary>
public static class OnlineBackends
{
    public static IOnlineFeatureBackend Create(ProjectDefinition project) => project.FeatureSettings.OnlineKind switch
    {
        OnlineStoreKind.Redis => RedisOnlineBackend.Connect(project.FeatureSettings.ConnectionEnv!, project.FeatureSettings.KeyPrefix ?? $"ladle:{project.Name}:"),
        _ => new MemoryOnlineBackend(),
    };
}
