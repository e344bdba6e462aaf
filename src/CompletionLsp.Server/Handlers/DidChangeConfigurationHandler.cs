using CompletionLsp.Server.Protocol;

namespace CompletionLsp.Server.Handlers;

/// <summary>
/// workspace/didChangeConfiguration: settings under "completionLsp" (modelPath, models, maxItems, enable,
/// inline.enable, inline.minProbability). Problems are reported to the user; a new model path is loaded.
/// </summary>
public sealed class DidChangeConfigurationHandler : NotificationHandler<DidChangeConfigurationParams>
{
    public override string Method => Methods.DidChangeConfiguration;

    public override Task HandleAsync(DidChangeConfigurationParams p, ServerContext ctx, CancellationToken ct)
    {
        if (ServerSettings.FindSection(p.Settings) is not { } section)
        {
            ctx.Log.Debug("didChangeConfiguration without a completionLsp section; ignored");
            return Task.CompletedTask;
        }
        var problems = new List<string>();
        var settings = ctx.Settings.With(section, problems);
        foreach (var problem in problems) ctx.Log.Warn(problem);
        if (problems.Count > 0) ctx.ShowMessage(MessageType.Warning, "completion-lsp settings: " + string.Join("; ", problems));
        string? oldPath = ctx.ResolveModelPath();
        ctx.ApplySettings(settings);
        ctx.Log.Info($"settings: {settings}");
        string? newPath = ctx.ResolveModelPath();
        if (newPath != oldPath) _ = ctx.Models.SetPathAsync(newPath);
        return Task.CompletedTask;
    }
}
