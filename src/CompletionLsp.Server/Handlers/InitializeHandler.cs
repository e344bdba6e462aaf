using System.Diagnostics;
using CompletionLsp.Server.Protocol;

namespace CompletionLsp.Server.Handlers;

/// <summary>initialize: reads the client's capabilities, the workspace root and the settings; starts loading the model.</summary>
public sealed class InitializeHandler : RequestHandler<InitializeParams, InitializeResult>
{
    public const string ServerName = "completion-lsp";
    public override string Method => Methods.Initialize;
    public override HandlerKind Kind => HandlerKind.Independent;

    public override Task<InitializeResult> HandleAsync(InitializeParams p, ServerContext ctx, CancellationToken ct)
    {
        ctx.StartClientLog();
        ctx.Client = p.Capabilities;
        ctx.ClientInfo = p.ClientInfo;
        ctx.Trace = p.Trace ?? "off";
        ctx.WorkspaceRoot = RootOf(p);
        ctx.Log.Info($"initialize from {(p.ClientInfo == null ? "an unnamed client" : $"{p.ClientInfo.Name} {p.ClientInfo.Version}".TrimEnd())}; workspace {ctx.WorkspaceRoot ?? "(none)"}");

        var problems = new List<string>();
        var settings = ctx.Settings;
        if (ServerSettings.FindSection(p.InitializationOptions) is { } section) settings = settings.With(section, problems);
        ctx.ApplySettings(settings);
        foreach (var problem in problems) ctx.Log.Warn(problem);
        if (problems.Count > 0) ctx.ShowMessage(MessageType.Warning, "completion-lsp settings: " + string.Join("; ", problems));
        ctx.Log.Debug($"settings: {settings}");

        // UTF-16 is the one position encoding every client supports; the engine works in UTF-16 offsets.
        var encodings = p.Capabilities.General?.PositionEncodings;
        if (encodings is { Length: > 0 } && !encodings.Contains("utf-16"))
            ctx.Log.Warn($"the client offers position encodings {string.Join(", ", encodings)} but not utf-16; answering in utf-16 as the protocol requires of every client");

        ctx.State = LifecycleState.Initialized;
        _ = ctx.Models.SetPathAsync(ctx.ResolveModelPath());
        ctx.UpdateSemantic();
        if (p.ProcessId is int pid && ctx.Options.WatchParentProcess) WatchParent(pid, ctx);

        bool labelDetails = p.Capabilities.TextDocument?.Completion?.CompletionItem?.LabelDetailsSupport == true;
        return Task.FromResult(new InitializeResult
        {
            Capabilities = new ServerCapabilities
            {
                PositionEncoding = "utf-16",
                TextDocumentSync = new TextDocumentSyncOptions
                {
                    OpenClose = true, Change = TextDocumentSyncKind.Incremental, Save = new SaveOptions { IncludeText = false },
                },
                CompletionProvider = new CompletionOptions
                {
                    TriggerCharacters = ["."],
                    // Documentation of an item comes on resolve (from the semantic model).
                    ResolveProvider = true,
                    CompletionItem = labelDetails ? new CompletionOptionsCompletionItem { LabelDetailsSupport = true } : null,
                },
                InlineCompletionProvider = new InlineCompletionOptions(),
                ExecuteCommandProvider = new ExecuteCommandOptions
                {
                    Commands = [CompletionLspMethods.TrainCommand, CompletionLspMethods.ModelInfoCommand],
                    WorkDoneProgress = true,
                },
            },
            ServerInfo = new ServerInfo { Name = ServerName, Version = typeof(InitializeHandler).Assembly.GetName().Version?.ToString() },
        });
    }

    /// <summary>The workspace folder: rootUri, else the first workspace folder, else rootPath.</summary>
    internal static string? RootOf(InitializeParams p)
    {
        foreach (var uri in new[] { p.RootUri }.Concat(p.WorkspaceFolders?.Select(f => f.Uri) ?? []))
        {
            if (uri != null && Uri.TryCreate(uri, UriKind.Absolute, out var u) && u.IsFile) return u.LocalPath;
        }
        return string.IsNullOrEmpty(p.RootPath) ? null : p.RootPath;
    }

    private static void WatchParent(int pid, ServerContext ctx)
    {
        _ = Task.Run(async () =>
        {
            while (ctx.State != LifecycleState.Exited)
            {
                await Task.Delay(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
                bool alive;
                try { using var proc = Process.GetProcessById(pid); alive = !proc.HasExited; }
                catch (ArgumentException) { alive = false; }
                catch (InvalidOperationException) { alive = false; }
                if (!alive)
                {
                    ctx.Log.Warn($"the client process {pid} is gone; exiting");
                    ctx.ExitRequested.TrySetResult();
                    return;
                }
            }
        });
    }
}
