using MetalCore.ModelFiles;
using MetalCore.Models;
using MetalCore.Runtime;

namespace MetalCore.Tests.Models;

/// <summary>
/// What our model loop computes for an <see cref="HfReferenceFixture"/>'s inputs, compared with
/// what transformers computed: the largest logit differences, our free-running greedy
/// continuation, and how many of the reference's greedy choices we make when fed its path.
/// </summary>
internal sealed record HfReferenceRun(float MaxDeltaShort, float MaxDeltaLong, int[] Greedy, int GreedyMatches, int TeacherForcedMatches)
{
    /// <summary>Runs a loaded model on the CPU with an F32 KV cache.</summary>
    public static HfReferenceRun Measure(string modelPath, HfReferenceFixture fixture)
    {
        using var model = LanguageModel.Load(modelPath, new ModelLoadOptions { Backend = ComputeBackend.Cpu, Threads = 2 });
        var options = new SessionOptions { ContextLength = 512, KvCacheType = GgmlType.F32 };
        Assert.That(model.Config.VocabularySize, Is.EqualTo(fixture.Vocabulary));

        float[] AllLogits(int[] tokens)
        {
            using var session = model.CreateSession(options);
            var logits = new float[tokens.Length * fixture.Vocabulary];
            session.AppendAll(tokens, logits);
            return logits;
        }
        var deltaShort = HfReferenceFixture.MaxAbsDifference(AllLogits(fixture.TokensShort), fixture.LogitsShort);
        var deltaLong = HfReferenceFixture.MaxAbsDifference(fixture.SelectLongRows(AllLogits(fixture.TokensLong)), fixture.LogitsLong);

        // Free-running: our own choices feed the next step.
        var greedy = new int[fixture.Greedy.Length];
        using (var session = model.CreateSession(options))
        {
            var next = session.AppendGreedy(fixture.Prompt);
            for (var i = 0; i < greedy.Length; i++)
            {
                greedy[i] = next;
                if (i + 1 < greedy.Length)
                {
                    next = session.AppendGreedy([next]);
                }
            }
        }
        // Teacher-forced: every step sees the reference's path, so one early flip does not
        // count against all the steps after it.
        var teacherForced = 0;
        using (var session = model.CreateSession(options))
        {
            var next = session.AppendGreedy(fixture.Prompt);
            for (var i = 0; i < fixture.Greedy.Length; i++)
            {
                teacherForced += next == fixture.Greedy[i] ? 1 : 0;
                if (i + 1 < fixture.Greedy.Length)
                {
                    next = session.AppendGreedy([fixture.Greedy[i]]);
                }
            }
        }
        var matches = greedy.Zip(fixture.Greedy).Count(p => p.First == p.Second);
        var run = new HfReferenceRun(deltaShort, deltaLong, greedy, matches, teacherForced);
        TestContext.Out.WriteLine($"{fixture.Name} ({Path.GetFileName(modelPath)}): max|Δlogit| short {deltaShort:G3}, long {deltaLong:G3}; "
            + $"greedy {matches}/{greedy.Length} positions equal, teacher-forced {teacherForced}/{greedy.Length}");
        return run;
    }
}
