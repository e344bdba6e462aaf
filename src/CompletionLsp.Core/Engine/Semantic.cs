namespace CompletionLsp.Core.Engine;

/// <summary>What a legal candidate is, in editor terms.</summary>
public enum CandidateKind { Keyword, Namespace, Class, Struct, Interface, Enum, Delegate, TypeParameter, Method, Property, Field, Event, EnumMember, Constant, Local, Parameter }

/// <summary>
/// One name that is legal at a caret. <see cref="Detail"/> is its signature or type; <see cref="Import"/> is the
/// namespace a <c>using</c> must bring in before the name binds (null: it binds as it is); <see cref="SymbolId"/> finds
/// the symbol again for its documentation. <see cref="Proximity"/> orders names the language model knows nothing of:
/// 0 locals and parameters, 1 members of the receiver or of the enclosing type, 2 inherited and extension members,
/// types in scope, 3 namespaces and keywords.
/// </summary>
public sealed record SemanticCandidate(string Name, CandidateKind Kind, string? Detail, string? Import, string? SymbolId, int Proximity)
{
    /// <summary>Computes the detail when it is asked for (only the items shown need one).</summary>
    public Func<string?>? DetailFactory { get; init; }

    public string? Describe() => Detail ?? DetailFactory?.Invoke();

    /// <summary>Its value (a method: what it returns; a type: the type itself) fits the type expected at the caret:
    /// an argument's parameter, an assignment's target, a return, a condition.</summary>
    public bool Fits { get; init; }

    /// <summary>A local or parameter declared before the caret in this member and not used since.</summary>
    public bool Fresh { get; init; }

    /// <summary>What an editor shows right after the name: "(int capacity)" for a method, ": int" for a value, the
    /// namespace for a type.</summary>
    public Func<string?>? SignatureFactory { get; init; }
}

/// <summary>The state of the semantic oracle: ready or not, when it got ready, what it read.</summary>
public sealed record SemanticInfo(bool Ready, double? ReadyAfterMs, int Projects, int Documents, int Warnings)
{
    /// <summary>Queries: answered in time, too late for their request (answered from the model alone), refused
    /// because others were running; and how they were computed: from a warm snapshot or a fresh compilation.</summary>
    public (int InTime, int Late, int Busy, int Speculative, int Fresh) Queries { get; init; }
}

/// <summary>What the code at the caret admits.</summary>
public enum SemanticContext
{
    /// <summary>After <c>.</c>, <c>?.</c> or <c>-&gt;</c> on a receiver that binds: its accessible members only.</summary>
    Member,
    /// <summary>A statement, an expression or a declaration: the names in scope and the keywords legal there.</summary>
    Scope,
    /// <summary>Only a type or a namespace can stand here (after <c>new</c>, in a base list, a type argument, a member declaration).</summary>
    TypeOnly,
    /// <summary>A new name is declared here (after a type in a declaration, after <c>class</c>): any identifier is legal.</summary>
    NewName,
}

/// <summary>The legal candidates at a caret; <see cref="Keywords"/> are the keywords legal there (contextual ones included).</summary>
public sealed record SemanticCandidates(SemanticContext Context, IReadOnlyList<SemanticCandidate> Items, IReadOnlyCollection<string> Keywords,
    int ImportInsertOffset = -1, string? ImportNewLine = null)
{
    /// <summary>Types of namespaces the file does not import whose name starts with a prefix (each with its
    /// <see cref="SemanticCandidate.Import"/>); null where no type can stand.</summary>
    public Func<string, IReadOnlyList<SemanticCandidate>>? Unimported { get; init; }

    /// <summary>A new name may be declared here too (a lambda's parameter, as Roslyn's "suggestion mode"): the
    /// language model's names are admitted beside the legal ones.</summary>
    public bool NewNamesToo { get; init; }

    /// <summary>Set when the project references packages whose assemblies are not on disk (never restored): true for a
    /// name the compilation knows nothing of, which may come from them. The language model's capitalised names that
    /// pass it are admitted (the language model fills in what the compilation cannot see).</summary>
    public Func<string, bool>? MayBeUnresolved { get; init; }
}

/// <summary>
/// The semantic oracle the engine asks which names are legal at a caret (implemented over Roslyn in
/// CompletionLsp.Semantic). The engine forwards every document event to it, under its own lock, so that the oracle's
/// text is the engine's text. Queries answer within a budget or not at all (null): the engine then answers from the
/// language model alone, so a keystroke never waits for a compilation.
/// </summary>
public interface ISemanticOracle : IDisposable
{
    /// <summary>True once the semantic model of the workspace has loaded and answered a first query.</summary>
    bool IsReady { get; }

    /// <summary>What it holds, for model info and status.</summary>
    SemanticInfo Info { get; }

    void Open(string uri, string text);
    void Change(string uri, int start, int oldLength, string newText);
    void SetText(string uri, string text);
    void Close(string uri);

    /// <summary>Files changed, created or deleted on disk (absolute paths of .cs, .csproj, .props or assets files).</summary>
    void FilesChanged(IReadOnlyList<string> paths);

    /// <summary>The legal candidates for a word that starts at <paramref name="wordStart"/>, or null when the oracle
    /// cannot tell within <paramref name="budget"/> (not ready, the receiver does not bind, no project).</summary>
    SemanticCandidates? Candidates(string uri, int wordStart, TimeSpan budget, CancellationToken ct = default);

    /// <summary>The legal candidates at the end of <paramref name="inserted"/>, were it to replace
    /// [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>) of the document (a ghost-text
    /// suggestion checked before it is shown), or null when the oracle cannot tell (<paramref name="timedOut"/>: not
    /// within the budget; else the receiver does not bind or no project holds the document).</summary>
    SemanticCandidates? CandidatesAfter(string uri, int start, int length, string inserted, TimeSpan budget, out bool timedOut, CancellationToken ct = default);

    /// <summary>Documentation of a candidate (plain text or markdown), or null.</summary>
    string? Documentation(string uri, string symbolId);
}
