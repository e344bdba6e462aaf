using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Eval;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Training;
using CompletionLsp.TestSupport;

namespace CompletionLsp.Tests;

/// <summary>The token-start ghost-text setting of `eval --setting line`, on this repository's own held-out files.</summary>
public class GhostTextEvaluatorTests
{
    [Fact]
    public void Word_starts_of_held_out_files_are_measured_with_the_file_only_up_to_the_caret()
    {
        var bundle = ModelBundle.Load(Repo.SrcModelPath);
        var test = Trainer.LoadCorpus(Repo.Src, new(), null, default).Test.Take(6).ToList();
        var engine = new CompletionEngine(new EngineOptions { Line = new EngineOptions().Line with { TimeBudgetMs = 0 } });
        engine.LoadModel(bundle, Repo.SrcModelPath);
        var r = GhostTextEvaluator.Evaluate(engine, Repo.Src, test, 200, [0, 1]);

        var all0 = r.Get(0, "all");
        Assert.InRange(all0.Positions, 150, 200);
        // Every position is in one position kind and one length group.
        Assert.Equal(all0.Positions, new[] { SemanticEvaluator.AfterDot, SemanticEvaluator.StatementStart, SemanticEvaluator.Other }.Sum(k => r.Get(0, k).Positions));
        Assert.Equal(all0.Positions, new[] { "len 1-2", "len 3-5", "len 6-10", "len 11+" }.Sum(g => r.Get(0, g).Positions));
        foreach (var m in r.Metrics.Values.SelectMany(g => g.Values))
        {
            Assert.True(m.Exact <= m.Offered && m.Offered <= m.Positions);
            Assert.InRange(m.EditSimilarity, 0, m.OfferedRate + 1e-9); // a missing suggestion scores 0
        }
        // A model of this repository proposes something at most word starts and is sometimes exactly right;
        // one typed character narrows the first word, so it is right more often.
        Assert.True(all0.OfferedRate > 0.5, $"offered {all0.OfferedRate:P1}");
        Assert.True(all0.Exact > 0, "no exact rest of line at all");
        Assert.True(r.Get(1, "all").EditSimilarity > all0.EditSimilarity, $"K=1 {r.Get(1, "all").EditSimilarity:F3} vs K=0 {all0.EditSimilarity:F3}");
        // Short true rests of lines are easier than long ones.
        Assert.True(r.Get(0, "len 1-2").ExactRate > r.Get(0, "len 11+").ExactRate);
        Assert.Empty(engine.OpenDocuments);
    }
}
