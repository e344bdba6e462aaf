using CompletionLsp.Core.Models;

namespace CompletionLsp.Core.Engine;

/// <summary>The models the engine answers with: built from a trained bundle, or from the open documents alone.</summary>
public sealed class LoadedModel
{
    public required Vocabulary Vocabulary { get; init; }
    public required ILanguageModel Static { get; init; }
    public required CacheOptions Cache { get; init; }
    public required Spacing Spacing { get; init; }
    /// <summary>A bidirectional scorer that re-ranks candidates when the caret is inside existing code, or null.</summary>
    public IInfillScorer? Infill { get; init; }
    public ModelBundle? Bundle { get; init; }
    public string? Path { get; init; }
    /// <summary>True when the static model is more than the bundle's n-gram: its neural models are mixed in
    /// (<see cref="ModelDescription.NeuralMembers"/>).</summary>
    public bool MixesNeural { get; init; }
    public bool IsTrained => Bundle != null;
    /// <summary>The count model, for cheap questions beside the ranking (is this name called, i.e. followed by '('?).</summary>
    public ILanguageModel Counts => Bundle?.NGram ?? Static;
}
