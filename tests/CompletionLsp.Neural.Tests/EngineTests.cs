using CompletionLsp.Cli;
using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Models;

namespace CompletionLsp.Neural.Tests;

public class EngineTests(TrainedModels m) : IClassFixture<TrainedModels>
{
    private ModelBundle WithNeural()
    {
        var b = m.Bundle;
        var r = m.Results[NeuralKind.Gru];
        return new ModelBundle
        {
            Vocabulary = b.Vocabulary, NGram = b.NGram, Spacing = b.Spacing, Cache = b.Cache,
            ExtraSections = new() { [r.Tag] = r.Section }, MixtureWeights = new() { ["ngram"] = 0.5, [r.Name] = 0.5 },
        };
    }

    [Fact]
    public void TheEngineCompletesWithTheNeuralMixture()
    {
        var engine = new CompletionEngine(new EngineOptions(), NeuralHook.Factory);
        engine.LoadModel(WithNeural());
        Assert.IsType<MixtureModel>(((OpenVocabularyModel)engine.Model.Static).Inner);
        var text = TinyCorpus.File(77, members: 20) + "\npublic class Z { public int Count { ";
        engine.Open("file:///z.cs", text, 1);
        var list = engine.Complete("file:///z.cs", text.Length, 5);
        Assert.NotEmpty(list.Items);
        Assert.Equal("get", list.Items[0].Text);
        // Typing on: requests keep working as the document grows (incremental states behind the scenes).
        engine.Change("file:///z.cs", text.Length, 0, "get; ", 2);
        Assert.NotEmpty(engine.Complete("file:///z.cs", text.Length + 5, 5).Items);
    }

    [Fact]
    public void WordsAddedWhileEditingReachTheRecurrentModelWithTheWholeContext()
    {
        // A copy of the vocabulary, so that adding a word does not touch the shared one.
        var shared = m.Bundle.Vocabulary;
        var range = Enumerable.Range(Vocabulary.ReservedCount, shared.StaticCount - Vocabulary.ReservedCount).ToList();
        var v = new Vocabulary(range.Select(i => shared[i]).ToList(), range.Select(shared.KindOf).ToList());
        using var lm = new Inference.NeuralLanguageModel(m.Results[NeuralKind.Lstm].Net, v, Native.Devices.Resolve("cpu"), ownsNet: false);
        var open = new OpenVocabularyModel(lm);
        var ids = m.TestIds(1).Take(150).ToArray();
        var withNew = (int[])ids.Clone();
        var asUnk = (int[])ids.Clone();
        // A word the model never saw, far from the end: the recurrent model must still see everything before it.
        int dyn = v.MapOrAdd(new Core.Syntax.LexToken(0, 19, "NeverSeenIdentifier", Core.Syntax.TokenKind.Identifier, Core.Syntax.LiteralClass.None));
        Assert.True(dyn >= v.StaticCount);
        withNew[10] = dyn;
        asUnk[10] = Vocabulary.Unk;
        using var reference = m.Results[NeuralKind.Lstm].CreateLanguageModel();
        var expected = reference.Distribution(asUnk);
        for (int t = Vocabulary.ReservedCount; t < v.StaticCount; t += 7)
            Assert.Equal(expected[t], open.Probability(withNew, t), 1e-6);
    }

    [Fact]
    public void InsideExistingCodeTheBidirectionalModelReranksTheList()
    {
        var b = m.Bundle;
        var bils = m.Results[NeuralKind.BiLstm];
        var path = Path.Combine(Path.GetTempPath(), $"clsp-engine-bils-{Guid.NewGuid():N}.model");
        try
        {
            new ModelBundle { Vocabulary = b.Vocabulary, NGram = b.NGram, Spacing = b.Spacing, Cache = b.Cache, ExtraSections = new() { [bils.Tag] = bils.Section } }.Save(path);
            var with = new CompletionEngine(new EngineOptions(), NeuralHook.Factory, NeuralHook.InfillFactory);
            with.LoadModel(ModelBundle.Load(path), path);
            Assert.IsType<Inference.BiLstmReranker>(with.Model.Infill);
            var without = new CompletionEngine(new EngineOptions { UseInfill = false }, NeuralHook.Factory, NeuralHook.InfillFactory);
            without.LoadModel(ModelBundle.Load(path), path);

            // Blank out one token at a time in the middle of a line (a space in its place) and ask at its start.
            string text = TinyCorpus.File(733, members: 25);
            var toks = Core.Syntax.CSharpLexer.Lex(text);
            int asked = 0, hitsWith = 0, hitsWithout = 0, differ = 0;
            for (int i = 1; i + 1 < toks.Count; i++)
            {
                var t = toks[i];
                if (text.AsSpan(t.End, toks[i + 1].Start - t.End).IndexOf('\n') >= 0) continue; // last on its line
                string blanked = text[..t.Start] + " " + text[t.End..];
                with.Open("file:///b.cs", blanked, 1);
                without.Open("file:///b.cs", blanked, 1);
                var a = with.Complete("file:///b.cs", t.Start, 5).Items;
                var z = without.Complete("file:///b.cs", t.Start, 5).Items;
                with.Close("file:///b.cs");
                without.Close("file:///b.cs");
                asked++;
                if (a.Count > 0 && a[0].Text == t.Text) hitsWith++;
                if (z.Count > 0 && z[0].Text == t.Text) hitsWithout++;
                if (!a.Select(x => x.Text).SequenceEqual(z.Select(x => x.Text))) differ++;
            }
            Assert.True(asked > 100, $"{asked} positions");
            Assert.True(differ > 0, "the right-hand context never changed the list");
            // The right-hand context is information the left-to-right model lacks: it must not make things worse.
            Assert.True(hitsWith >= hitsWithout, $"top-1 with the bidirectional model {hitsWith}/{asked}, without {hitsWithout}/{asked}");
        }
        finally { File.Delete(path); }
    }
}
