using MetalCore.Bindings;

namespace MetalCore.Tests.Bindings;

/// <summary>
/// The generator on small hand-written headers (prefix t_), checked against hand-written C#.
/// </summary>
[TestFixture]
public class GeneratorTests
{
    [Test]
    public void StructWithFixedArrayAndDocComments()
    {
        var generated = ScratchBindings.Generate("""
            #include <stddef.h>
            #include <stdint.h>

            /* ---------------------------------------------------------------
             * Counters (a section banner, not a declaration's documentation)
             * --------------------------------------------------------------- */

            /* A named counter. */
            typedef struct t_counter {
                char name[16];      /* NUL-terminated */
                uint64_t hits;
                /* Seconds, summed
                 * over all hits. */
                double total_seconds;
                size_t bytes;
            } t_counter;
            """);

        Assert.That(generated, Does.Contain("""
            /// <summary>A named counter.</summary>
            [StructLayout(LayoutKind.Sequential)]
            internal unsafe partial struct Counter
            {
                /// <summary>NUL-terminated</summary>
                public fixed byte Name[16];

                public ulong Hits;

                /// <summary>
                /// Seconds, summed
                /// over all hits.
                /// </summary>
                public double TotalSeconds;

                public nuint Bytes;
            }

            """));
        Assert.That(generated, Does.Not.Contain("section banner"));
    }

    [Test]
    public void AnonymousStructsTypedefsAndUnnamedParameters()
    {
        var generated = ScratchBindings.Generate("""
            #include <stdint.h>

            typedef uint32_t t_flags;
            typedef struct { int32_t x; t_flags flags; } t_point;

            t_flags t_point_flags(const t_point *point);
            int32_t t_sum(int32_t, int32_t);
            """);

        Assert.That(generated, Does.Contain("""
            [StructLayout(LayoutKind.Sequential)]
            internal unsafe partial struct Point
            {
                public int X;

                public uint Flags;
            }

            """));
        Assert.That(generated, Does.Contain("public static partial uint PointFlags(Point* point);\n"));
        Assert.That(generated, Does.Contain("public static partial int Sum(int param0, int param1);\n"));
    }

    [Test]
    public void EnumsLoseTheirMembersCommonPrefixAndTakeClangsUnderlyingType()
    {
        var generated = ScratchBindings.Generate("""
            #include <stdint.h>

            typedef enum t_kind {
                T_KIND_F32 = 0,
                T_KIND_Q4_0 = 2, /* 4-bit */
                T_KIND_Q4_1,
                T_KIND_BF16 = 30
            } t_kind;

            typedef enum t_sign { T_SIGN_NEGATIVE = -1, T_SIGN_ZERO, T_SIGN_POSITIVE } t_sign;

            t_kind t_kind_of(t_sign sign, int32_t raw_kind /* a t_kind */);
            """);

        Assert.That(generated, Does.Contain("""
            internal enum Kind : uint
            {
                F32 = 0,

                /// <summary>4-bit</summary>
                Q4_0 = 2,

                Q4_1 = 3,

                Bf16 = 30,
            }

            internal enum Sign : int
            {
                Negative = -1,

                Zero = 0,

                Positive = 1,
            }

            """));
        Assert.That(generated, Does.Contain("public static partial Kind KindOf(Sign sign, int rawKind);\n"));
    }

    [Test]
    public void FunctionPointersBecomeUnmanagedCdeclPointers()
    {
        var generated = ScratchBindings.Generate("""
            #include <stdint.h>

            /* Receives a message. */
            typedef void (*t_callback)(int32_t code, const char *message, void *user_data);

            typedef struct t_hooks {
                int (*compare)(const void *a, const void *b);
                const char *(*describe)(int32_t code);
            } t_hooks;

            /* Installs the callback. */
            int32_t t_set_callback(t_callback callback, void *user_data);
            """);

        Assert.That(generated, Does.Contain("""
                public delegate* unmanaged[Cdecl]<void*, void*, int> Compare;

                public delegate* unmanaged[Cdecl]<int, byte*> Describe;
            """));
        Assert.That(generated, Does.Contain("""
                /// <summary>Installs the callback.</summary>
                [LibraryImport("sample", EntryPoint = "t_set_callback")]
                [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
                public static partial int SetCallback(delegate* unmanaged[Cdecl]<int, byte*, void*, void> callback, void* userData);

            """));
    }

    [Test]
    public void OpaqueHandlesAreEmptyStructsUsedThroughPointers()
    {
        var generated = ScratchBindings.Generate("""
            /* A session. */
            typedef struct t_session t_session;

            int t_open(const char *path, t_session **out);
            int t_close(t_session *session);
            static inline int t_helper(void) { return 0; }
            """);

        Assert.That(generated, Does.Contain("""
            /// <summary>A session.</summary>
            internal partial struct Session
            {
            }

            """));
        Assert.That(generated, Does.Contain("public static partial int Open(byte* path, Session** @out);\n"));
        Assert.That(generated, Does.Contain("public static partial int Close(Session* session);\n"));
        Assert.That(generated, Does.Not.Contain("Helper"), "a static inline function is not exported by the library");
    }

    [Test]
    public void IntegerMacrosWithThePrefixBecomeConstants()
    {
        var generated = ScratchBindings.Generate("""
            /* The version. */
            #define T_VERSION 3
            #define T_MASK 0xFFFFFFFFu /* all bits */
            #define T_BIG 5000000000
            #define T_NEGATIVE (-2)
            #define T_NAME "sample"
            #define T_SQUARE(x) ((x) * (x))
            #define T_RATIO 0.5
            #define OTHER_VALUE 7
            """);

        Assert.That(generated, Does.Contain("""
            internal static class ApiConstants
            {
                /// <summary>The version.</summary>
                public const int Version = 3;

                /// <summary>all bits</summary>
                public const uint Mask = 4294967295U;

                public const long Big = 5000000000L;

                public const int Negative = -2;
            }

            """));
    }

    [Test]
    public void OutputStartsWithTheGeneratedHeaderAndUsesLfOnly()
    {
        var generated = ScratchBindings.Generate("int t_answer(void);\n");

        Assert.That(generated, Does.StartWith(
            "// <auto-generated> by bindings/MetalCore.Bindings from sample.h — do not edit; run `dotnet cake --target=Bindings`\n"));
        Assert.That(generated, Does.Not.Contain("\r"));
    }

    [Test]
    public void UnsupportedDeclarationsAreClearErrors()
    {
        RequiredClang.Path(); // a missing clang ignores the test here, not inside Assert.Throws
        var error = Assert.Throws<BindingsException>(() => ScratchBindings.Generate("int t_print(const char *format, ...);\n"));

        Assert.That(error!.Message, Does.Contain("t_print").And.Contain("variadic"));
    }
}
