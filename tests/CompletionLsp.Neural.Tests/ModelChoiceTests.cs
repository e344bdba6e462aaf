using System.Text.Json;
using CompletionLsp.Cli;
using CompletionLsp.Core.Models;
using CompletionLsp.Neural.Inference;
using CompletionLsp.Server;
using TorchSharp;

namespace CompletionLsp.Neural.Tests;

/// <summary>The completionLsp.models and completionLsp.device settings, from their JSON to the model that serves.</summary>
public class ModelChoiceTests(TrainedModels m) : IClassFixture<TrainedModels>
{
    /// <summary>A model file's bundle with the n-gram, a GRU and an LSTM, mixed with saved weights.</summary>
    private ModelBundle WithGruAndLstm()
    {
        var b = m.Bundle;
        var gru = m.Results[NeuralKind.Gru];
        var lstm = m.Results[NeuralKind.Lstm];
        return new ModelBundle
        {
            Vocabulary = b.Vocabulary, NGram = b.NGram, Spacing = b.Spacing, Cache = b.Cache,
            ExtraSections = new() { [gru.Tag] = gru.Section, [lstm.Tag] = lstm.Section },
            MixtureWeights = new() { ["ngram"] = 0.4, [gru.Name] = 0.4, [lstm.Name] = 0.2 },
        };
    }

    private static ModelChoice Choice(string json, out List<string> problems)
    {
        problems = [];
        return new ServerSettings().With(JsonDocument.Parse(json).RootElement, problems).ToModelChoice();
    }

    private static string[] Networks(ILanguageModel model) => model switch
    {
        MixtureModel mix => mix.Components.SelectMany(Networks).ToArray(),
        NeuralLanguageModel n => [n.Kind.Name()],
        NGramModel => ["ngram"],
        _ => [model.GetType().Name],
    };

    [Fact]
    public void By_default_every_model_of_the_file_serves()
    {
        var served = NeuralHook.Serve(WithGruAndLstm(), new ServerSettings().ToModelChoice(), _ => Assert.Fail("no warning expected"));
        Assert.Equal(["gru", "lstm", "ngram"], Networks(served).Order());
    }

    [Fact]
    public void The_models_setting_chooses_what_is_mixed_and_a_network_left_out_is_not_loaded()
    {
        var bundle = WithGruAndLstm();
        var countOnly = NeuralHook.Serve(bundle, Choice("""{ "models": ["ngram", "cache"] }""", out var p1), _ => { });
        Assert.Empty(p1);
        Assert.Same(bundle.NGram, countOnly);

        var withGru = NeuralHook.Serve(bundle, Choice("""{ "models": ["ngram", "cache", "gru"] }""", out _), _ => { });
        var mix = Assert.IsType<MixtureModel>(withGru);
        Assert.Equal(["gru", "ngram"], Networks(mix).Order());
        // Re-weighted over the chosen models: 0.4 and 0.4 of the saved weights become one half each.
        Assert.Equal([0.5, 0.5], mix.Weights.Select(w => Math.Round(w, 6)));

        var lstmAlone = NeuralHook.Serve(bundle, Choice("""{ "models": ["lstm"] }""", out _), _ => { });
        Assert.Equal(["lstm"], Networks(lstmAlone));

        // The choices give different next-token distributions over the same context.
        var ids = m.TestIds(0);
        var ctx = ids.Take(40).ToArray();
        Assert.NotEqual(countOnly.Probability(ctx, ids[40]), withGru.Probability(ctx, ids[40]), 6);
    }

    [Fact]
    public void A_device_the_machine_lacks_is_a_clear_warning_and_the_networks_run_on_the_cpu()
    {
        var warnings = new List<string>();
        var served = NeuralHook.Serve(WithGruAndLstm(), Choice("""{ "device": "cuda" }""", out var problems), warnings.Add);
        Assert.Empty(problems);
        Assert.Equal(["gru", "lstm", "ngram"], Networks(served).Order());
        if (torch.cuda.is_available()) Assert.Empty(warnings);
        else
        {
            var w = Assert.Single(warnings);
            Assert.Contains("completionLsp.device", w);
            Assert.Contains("CUDA is not available", w);
            Assert.Contains("on the CPU", w);
        }
        // A device the setting does not know is refused when read, and the choice stays auto.
        Assert.Equal("auto", Choice("""{ "device": "tpu" }""", out var bad).Device);
        Assert.Contains(bad, x => x.Contains("completionLsp.device"));
    }
}
