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

public sealed record DidChangeWatchedFilesParams
{
    public FileEvent[] Changes { get; init; } = [];
}

public sealed record FileEvent
{
    public required string Uri { get; init; }
    /// <summary>1 created, 2 changed, 3 deleted.</summary>
    public int Type { get; init; }
}

public sealed record RegistrationParams
{
    public required Registration[] Registrations { get; init; }
}

public sealed record Registration
{
    public required string Id { get; init; }
    public required string Method { get; init; }
    public object? RegisterOptions { get; init; }
}

public sealed record DidChangeWatchedFilesRegistrationOptions
{
    public required FileWatcher[] Watchers { get; init; }
}

public sealed record FileWatcher
{
    public required string GlobPattern { get; init; }
}
