using System.Text.Json;
using ClosedXML.Excel;
using Ladle.Engine.Encoders;
using Ladle.Engine.Results;
using Parquet;

namespace Ladle.Engine.Tests.Encoders;

/// <summary>What every format promises about streaming: bytes leave while rows are still being read.</summary>
public sealed class StreamingTests
{
    public static TheoryData<string> Formats => ["json", "ndjson", "csv", "parquet", "xlsx"];

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Output_reaches_the_body_before_the_last_batch_is_read(string format)
    {
        var body = new AsyncOnlyStream();
        var result = new ObservedResult(Sample.Result(rows: 40_000), body);

        await Encoder(format).WriteAsync(result, body, new EncodeContext(), CancellationToken.None);

        Assert.True(result.ReceivedAtLastRead > 0, $"{format}: nothing was sent before the last batch was read");
        Assert.True(body.AsyncWrites > 2, $"{format}: the body was written {body.AsyncWrites} times");
    }

    [Theory]
    [InlineData("json")]
    [InlineData("parquet")]
    [InlineData("xlsx")]
    public async Task Failed_export_never_ends_as_a_complete_document(string format)
    {
        var body = new AsyncOnlyStream();

        await Assert.ThrowsAsync<IOException>(
            () => Encoder(format).WriteAsync(new FailingResult(Sample.Result(rows: 40_000), failAfter: 8), body, new EncodeContext(), CancellationToken.None));

        var bytes = body.ToArray();
        Assert.NotEmpty(bytes);
        switch (format)
        {
            case "json":
                Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(bytes));
                break;
            case "parquet":
                await Assert.ThrowsAnyAsync<Exception>(async () => await ParquetReader.CreateAsync(new MemoryStream(bytes)));
                break;
            case "xlsx":
                Assert.ThrowsAny<Exception>(() => new XLWorkbook(new MemoryStream(bytes)));
                break;
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Cancelled_export_stops_writing_before_it_returns(string format)
    {
        var body = new AsyncOnlyStream();
        using var cancellation = new CancellationTokenSource();
        var result = new CancellingResult(Sample.Result(rows: 40_000), cancellation, cancelAfter: 6);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Encoder(format).WriteAsync(result, body, new EncodeContext(), cancellation.Token));

        var received = body.Received;
        await Task.Delay(200);
        Assert.Equal(received, body.Received);
    }

    /// <summary>Small row groups for Parquet so that a test-sized result spans several.</summary>
    private static IResultEncoder Encoder(string format) =>
        format == "parquet" ? new ParquetEncoder(rowGroupRows: 4096) : ResultEncoders.Get(format);

    /// <summary>Notes how much the body had received when the encoder asked for each batch.</summary>
    private sealed class ObservedResult(ResultStream inner, AsyncOnlyStream body) : ResultStream(inner.Schema)
    {
        public long ReceivedAtLastRead { get; private set; }

        public override async ValueTask<ColumnBatch?> ReadAsync(CancellationToken cancellationToken)
        {
            var received = body.Received;
            var batch = await inner.ReadAsync(cancellationToken);
            if (batch is null) return null;
            ReceivedAtLastRead = received;
            return batch;
        }
    }

    /// <summary>A client that goes away after some batches: the request's token is cancelled.</summary>
    private sealed class CancellingResult(ResultStream inner, CancellationTokenSource cancellation, int cancelAfter) : ResultStream(inner.Schema)
    {
        private int _reads;

        public override ValueTask<ColumnBatch?> ReadAsync(CancellationToken cancellationToken)
        {
            if (++_reads > cancelAfter) cancellation.Cancel();
            cancellationToken.ThrowIfCancellationRequested();
            return inner.ReadAsync(cancellationToken);
        }
    }

    /// <summary>A source that breaks after some batches, as a dropped source connection would.</summary>
    private sealed class FailingResult(ResultStream inner, int failAfter) : ResultStream(inner.Schema)
    {
        private int _reads;

        public override ValueTask<ColumnBatch?> ReadAsync(CancellationToken cancellationToken) =>
            ++_reads > failAfter ? throw new IOException("source connection lost") : inner.ReadAsync(cancellationToken);
    }
}
