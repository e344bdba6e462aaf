using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Core.Engine;

/// <summary>What a suggested token is, as an editor would label it.</summary>
public enum CompletionRole { Keyword, Variable, Method, Property, Type, Operator, Value }

/// <summary>One ranked next-token suggestion. <see cref="Symbol"/> is set when the semantic oracle vouched for it
/// (its kind, signature and documentation id); <see cref="Import"/> when accepting it must add a <c>using</c>.</summary>
public sealed record CompletionCandidate(string Text, double Probability, TokenKind Kind, CompletionRole Role)
{
    public SemanticCandidate? Symbol { get; init; }
    public TextInsert? Import { get; init; }
}

/// <summary>Text to insert at an offset of the document (a <c>using</c> directive for an unimported type).</summary>
public sealed record TextInsert(int Offset, string Text);

/// <summary>
/// The ranked list for a caret: replace [ReplaceStart, CaretOffset) (the typed prefix) with an item's text.
/// Offsets are UTF-16 offsets into the document. Empty with a reason when completion does not apply (comment, string).
/// </summary>
public sealed record CompletionList(int ReplaceStart, int CaretOffset, string Prefix, IReadOnlyList<CompletionCandidate> Items, string? SuppressedReason = null)
{
    /// <summary>What the semantic oracle said of the caret (null: it did not answer in time, or is off).</summary>
    public SemanticContext? Semantic { get; init; }

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
    /// <summary>Ask the semantic oracle (when there is one) which names are legal at the caret.</summary>
    public bool UseSemantic { get; init; } = true;
    /// <summary>How long a request waits for the semantic oracle before it answers from the language model alone
    /// (the oracle's work goes on, and the next keystroke at the same word uses it).</summary>
    public double SemanticBudgetMs { get; init; } = 10;
    /// <summary>Weights of the language model's probability by how near a legal name is declared (see
    /// <see cref="SemanticRanking"/>): [0] locals and parameters, [1] members of the receiver or the enclosing type.
    /// Tuned on the held-out files of this repository (not on the benchmark repositories).</summary>
    public double[] ProximityWeights { get; init; } = [4, 2];
    /// <summary>How much more a name whose value fits the type expected at the caret weighs (then rescaled).</summary>
    public double FitWeight { get; init; } = 3;
    /// <summary>How much more a local or parameter declared and not yet used weighs (then rescaled).</summary>
    public double FreshWeight { get; init; } = 4;
    /// <summary>How long ghost text may spend checking member names after '.' with the semantic oracle, all suggestions
    /// of a request together; past it a suggestion ends before a member it could not check.</summary>
    public double MemberCheckBudgetMs { get; init; } = 20;
    /// <summary>List punctuation among the items, as versions before the semantic layer did (for comparisons in eval only).</summary>
    public bool ListPunctuation { get; init; }
    public LineOptions Line { get; init; } = new();
    /// <summary>Documents longer than this (UTF-16 units; 4 Mi, as the size limit of training files; opening one that large costs seconds) are not lexed or
    /// kept: they get no completions (the server says so once) and cost nothing else.</summary>
    public int MaxDocumentChars { get; init; } = 4 * 1024 * 1024;
}

public sealed record LineOptions
{
    public int BeamWidth { get; init; } = 4;
    public int MaxTokens { get; init; } = 24;
    /// <summary>A suggestion is cut where the probability of the whole suggestion falls below this. 0.03 measured best in
    /// the token-start setting on three public repositories (edit similarity +0.07-0.09 at word starts against 0.12,
    /// exact rest of line as often or more, and no regression where a line is cut at random; README, Quality).</summary>
    public double MinProbability { get; init; } = 0.03;
    /// <summary>Suggestions are ranked by log P / tokens^this (0: by probability alone, which prefers short ones).</summary>
    public double LengthNormalization { get; init; } = 0.5;
    /// <summary>Stop expanding hypotheses after this many milliseconds (0 = no limit) and answer with the best so far:
    /// a keystroke budget for slow models (the neural mixture); the count models finish in a few milliseconds.</summary>
    public double TimeBudgetMs { get; init; } = 60;
}
