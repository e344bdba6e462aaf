using System.Text.Json;
using CompletionLsp.Server.Protocol;

namespace CompletionLsp.Server.Handlers;

/// <summary>workspace/executeCommand: completionLsp.train and completionLsp.modelInfo. Neither waits for the document queue.</summary>
public sealed class ExecuteCommandHandler : RequestHandler<ExecuteCommandParams, object?>
{
    public override string Method => Methods.ExecuteCommand;
    public override HandlerKind Kind => HandlerKind.Independent;

    public override async Task<object?> HandleAsync(ExecuteCommandParams p, ServerContext ctx, CancellationToken ct)
    {
        switch (p.Command)
        {
            case CompletionLspMethods.ModelInfoCommand:
                var info = ctx.Models.Info();
                return ctx.Engine.Semantic?.Info is { } si ? info with
                {
                    Semantic = new SemanticModelInfo(si.Ready, si.ReadyAfterMs, si.Projects, si.Documents, si.Warnings)
                    {
                        InTime = si.Queries.InTime, Late = si.Queries.Late, Busy = si.Queries.Busy, FromWarmSnapshot = si.Queries.Speculative, Fresh = si.Queries.Fresh,
                    },
                } : info;
            case CompletionLspMethods.TrainCommand:
                string? root = null;
                if (p.Arguments is { Length: > 0 } args && args[0].ValueKind == JsonValueKind.Object)
                {
                    TrainArguments? a;
                    try { a = args[0].Deserialize<TrainArguments>(LspJson.Options); }
                    catch (JsonException e) { throw LspException.InvalidParams($"{p.Command}: bad arguments: {e.Message}"); }
                    root = a?.Root;
                }
                root ??= ctx.WorkspaceRoot ?? throw LspException.InvalidParams($"{p.Command}: no folder to train on (no workspace folder and no {{\"root\": ...}} argument)");
                if (root.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(root, UriKind.Absolute, out var u)) root = u.LocalPath;
                if (!Directory.Exists(root)) throw LspException.InvalidParams($"{p.Command}: no such folder: {root}");
                return await TrainCommand.RunAsync(ctx, root, p.WorkDoneToken, ct).ConfigureAwait(false);
            default:
                throw LspException.InvalidParams($"unknown command '{p.Command}' (known: {CompletionLspMethods.TrainCommand}, {CompletionLspMethods.ModelInfoCommand})");
        }
    }
}
