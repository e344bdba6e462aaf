using System.Text.Json;

namespace CompletionLsp.Server.Protocol;

// workspace/executeCommand and workspace/didChangeConfiguration (LSP 3.17, "Workspace Features").

public sealed record ExecuteCommandOptions
{
    public required string[] Commands { get; init; }
    public bool? WorkDoneProgress { get; init; }
}

public sealed record ExecuteCommandParams : IWorkDoneProgressParams
{
    public required string Command { get; init; }
    public JsonElement[]? Arguments { get; init; }
    public JsonElement? WorkDoneToken { get; init; }
}

public sealed record DidChangeConfigurationParams
{
    /// <summary>LSPAny: this server reads the "completionLsp" section.</summary>
    public JsonElement? Settings { get; init; }
}
