using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Core.Engine;

/// <summary>What a suggested token is, as an editor would label it.</summary>
public enum CompletionRole { Keyword, Variable, Method, Property, Type, Operator, Value }

/// <summary>One ranked next-token suggestion.</summary>
public sealed record CompletionCandidate(string Text, double Probability, TokenKind Kind, CompletionRole Role);

/// <summary>
/// The ranked list for a caret: replace [ReplaceStart, CaretOffset) (the typed prefix) with an item's text.
/// Offsets are UTF-16 offsets into the document. Empty with a reason when completion does not apply (comment, string).
/// </summary>
public sealed record CompletionList(int ReplaceStart, int CaretOffset, string Prefix, IReadOnlyList<CompletionCandidate> Items, string? SuppressedReason = null)
{
    public static CompletionList Empty(int offset, string? reason) => new(offset, offset, "", [], reason);
}

/// <summary>A multi-token suggestion: insert <see cref="Text"/> over [ReplaceStart, CaretOffset).</summary>
public sealed record LineSuggestion(int ReplaceStart, int CaretOffset, string Text, double Probability, int Tokens);

public sealed record EngineOptions
{
    public int MaxItems { get; init; } = 20;
    public bool UseDocumentCache { get; init; } = true;
    public bool UseRecentFilesCache { get; init; } = true;
    /// <summary>How many recently edited files feed the recent-files cache.</summary>
    public int RecentFiles { get; init; } = 10;
    /// <summary>Re-rank with the model's bidirectional scorer (when it has one) where the caret is inside existing code.</summary>
    public bool UseInfill { get; init; } = true;
    public LineOptions Line { get; init; } = new();
    /// <summary>Documents longer than this (UTF-16 units; 4 Mi, as the size limit of training files; opening one that large costs seconds) are not lexed or
    /// kept: they get no completions (the server says so once) and cost nothing else.</summary>
    public int MaxDocumentChars { get; init; } = 4 * 1024 * 1024;
}

public sealed record LineOptions
{
    public int BeamWidth { get; init; } = 4;
    public int MaxTokens { get; init; } = 24;
    /// <summary>A suggestion is cut where the probability of the whole suggestion falls below this.</summary>
    public double MinProbability { get; init; } = 0.12;
    /// <summary>Stop expanding hypotheses after this many milliseconds (0 = no limit) and answer with the best so far:
    /// a keystroke budget for slow models (the neural mixture); the count models finish in a few milliseconds.</summary>
    public double TimeBudgetMs { get; init; } = 60;
}
