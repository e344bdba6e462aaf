using CompletionLsp.Core.Models;

namespace CompletionLsp.Cli;

/// <summary>Where neural models plug into the CLI and server (none yet: the n-gram model alone).</summary>
public static class NeuralHook
{
    public static Func<ModelBundle, ILanguageModel>? Factory => null;
}
