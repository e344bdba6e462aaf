namespace CompletionLsp.Core.Models;

/// <summary>
/// Which parts of a model file serve, and where its neural networks run: the completionLsp.models and
/// completionLsp.device settings. <see cref="Names"/> null means every model the file has. The n-gram, the neural
/// networks and the bidirectional re-ranker are named "ngram", "ffnn", "rnn", "lstm", "gru", "bilstm"; the mixture
/// re-weights over the chosen ones that the file has, and a network that is not chosen is not loaded.
/// </summary>
public sealed record ModelChoice(string Device = "auto", IReadOnlyList<string>? Names = null)
{
    public bool Includes(string name) => Names == null || Names.Contains(name, StringComparer.OrdinalIgnoreCase);

    public bool Equals(ModelChoice? other) =>
        other != null && Device == other.Device &&
        (Names == null ? other.Names == null : other.Names != null && Names.SequenceEqual(other.Names, StringComparer.OrdinalIgnoreCase));

    public override int GetHashCode() => HashCode.Combine(Device, Names?.Count ?? -1);
}
