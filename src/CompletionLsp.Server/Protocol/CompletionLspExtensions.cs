namespace CompletionLsp.Server.Protocol;

/// <summary>This server's own commands and notifications (not part of the LSP).</summary>
public static class CompletionLspMethods
{
    /// <summary>Notification from server to client: <see cref="StatusParams"/>.</summary>
    public const string Status = "completionLsp/status";
    /// <summary>workspace/executeCommand: trains a model (arguments: optional [{"root": "..."}]); resolves with <see cref="TrainResult"/>.</summary>
    public const string TrainCommand = "completionLsp.train";
    /// <summary>workspace/executeCommand: <see cref="ModelInfo"/> of the model in use.</summary>
    public const string ModelInfoCommand = "completionLsp.modelInfo";
    /// <summary>Test-only request (enabled by <c>ServerOptions.EnableTestMethods</c>): the server's text of a document.</summary>
    public const string TestDocumentText = "completionLsp/test/documentText";
    /// <summary>Test-only request: waits until cancelled (or the given milliseconds), to test cancellation.</summary>
    public const string TestWait = "completionLsp/test/wait";
    /// <summary>Test-only request: the managed heap after a full collection and the vocabulary's size (for leak tests).</summary>
    public const string TestMemory = "completionLsp/test/memory";
}

public static class ModelState
{
    public const string None = "none", Loaded = "loaded", Training = "training", Error = "error";
}

public sealed record StatusParams
{
    public required string State { get; init; }
    public string? ModelPath { get; init; }
    public string? Message { get; init; }
    /// <summary>The semantic model: "loading" or "ready"; absent when it is off.</summary>
    public string? Semantic { get; init; }
}

public sealed record TrainArguments
{
    public string? Root { get; init; }
}

public sealed record TrainResult
{
    public required string ModelPath { get; init; }
    public int Files { get; init; }
    public long Tokens { get; init; }
    public double Seconds { get; init; }
}

public sealed record ModelInfo
{
    public bool Loaded { get; init; }
    public string? Path { get; init; }
    public int Files { get; init; }
    public long Tokens { get; init; }
    public int Vocabulary { get; init; }
    public int Order { get; init; }
    public string? Smoothing { get; init; }
    public string[] Models { get; init; } = [];
    public string? SourceRoot { get; init; }
    public DateTimeOffset? CreatedUtc { get; init; }
    /// <summary>The semantic model (null when off): ready, milliseconds from start to ready, projects and files read.</summary>
    public SemanticModelInfo? Semantic { get; init; }
}

public sealed record SemanticModelInfo(bool Ready, double? ReadyAfterMs, int Projects, int Documents, int Warnings)
{
    /// <summary>Queries answered in time, late (answered from the model alone), refused (busy); computed from a warm snapshot or fresh.</summary>
    public int InTime { get; init; }
    public int Late { get; init; }
    public int Busy { get; init; }
    public int FromWarmSnapshot { get; init; }
    public int Fresh { get; init; }
}

public sealed record TestDocumentTextParams
{
    public required string Uri { get; init; }
}

public sealed record TestDocumentTextResult
{
    public required string Text { get; init; }
    public int Version { get; init; }
}

public sealed record TestWaitParams
{
    public int Milliseconds { get; init; } = 60_000;
}

public sealed record TestMemoryResult
{
    /// <summary>Bytes of the managed heap after a full, compacting collection.</summary>
    public long ManagedBytes { get; init; }
    /// <summary>Words in the vocabulary: the trained ones and those added while editing.</summary>
    public int Vocabulary { get; init; }
    public int StaticVocabulary { get; init; }
    public int OpenDocuments { get; init; }
}
