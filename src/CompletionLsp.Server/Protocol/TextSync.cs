namespace CompletionLsp.Server.Protocol;

// Text document synchronization (LSP 3.17, "Text Document Synchronization").

public sealed record DidOpenTextDocumentParams
{
    public required TextDocumentItem TextDocument { get; init; }
}

public sealed record DidChangeTextDocumentParams
{
    public required VersionedTextDocumentIdentifier TextDocument { get; init; }
    public required TextDocumentContentChangeEvent[] ContentChanges { get; init; }
}

/// <summary>An incremental change (with <see cref="Range"/>) or the whole new text (without).</summary>
public sealed record TextDocumentContentChangeEvent
{
    public Range? Range { get; init; }
    /// <summary>Deprecated in the spec; ignored in favour of <see cref="Range"/>.</summary>
    public int? RangeLength { get; init; }
    public required string Text { get; init; }
}

public sealed record DidSaveTextDocumentParams
{
    public required TextDocumentIdentifier TextDocument { get; init; }
    public string? Text { get; init; }
}

public sealed record DidCloseTextDocumentParams
{
    public required TextDocumentIdentifier TextDocument { get; init; }
}
