namespace CompletionLsp.Core.Models;

/// <summary>
/// A candidate filter that says what it filters by: tokens whose spelling starts with <see cref="Prefix"/>, ignoring
/// case (the completion list's typed prefix). <see cref="ILanguageModel.TopK"/> takes filters as predicates; one made
/// by <see cref="Of"/> carries this object as its target, and a model may then enumerate the spellings with the prefix
/// (a binary search in <see cref="Vocabulary.PrefixRange"/>) instead of testing the whole vocabulary, so that a
/// selective prefix costs the same whatever the vocabulary's size.
/// <para>Contract: the predicate accepts only tokens whose spelling starts with the prefix (ignoring case).</para>
/// </summary>
public sealed class PrefixFilter
{
    private readonly Predicate<int> _accept;
    private PrefixFilter(string prefix, Predicate<int> accept) { Prefix = prefix; _accept = accept; }

    public string Prefix { get; }
    private bool Accept(int id) => _accept(id);

    public static Predicate<int> Of(string prefix, Predicate<int> accept) => new PrefixFilter(prefix, accept).Accept;

    /// <summary>The filter behind a predicate made by <see cref="Of"/>, or null.</summary>
    public static PrefixFilter? Behind(Predicate<int>? accept) => accept?.Target as PrefixFilter;
}
