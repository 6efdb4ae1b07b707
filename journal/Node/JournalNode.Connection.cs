using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Log.Journal.Node.Protocol;
using Log.Journal.Node.Storage;
using Microsoft.Extensions.Logging;

namespace Log.Journal.Node;

/// <summary>A response that may not be ready yet: <see cref="Build"/> is called once
/// <see cref="Ready"/> has completed, on whichever thread writes it.</summary>
internal readonly record struct PendingResponse(Task Ready, Func<KafkaResponseWriter?> Build)
{
    public static PendingResponse Now(KafkaResponseWriter? response) => new(Task.CompletedTask, () => response);

    public static PendingResponse Later(Task<KafkaResponseWriter?> response) => new(response, () => response.GetAwaiter().GetResult());
}

public sealed partial class JournalNode
{
    /// <summary>
    /// One client connection, served by a thread of its own that blocks in receive, so that a
    /// request is handled on the thread the kernel wakes for it, with no hand-off.
    ///
    /// The thread reads a request, runs its synchronous part (a produce's batches are appended
    /// there, in request order) and queues its response. When no further request is waiting in
    /// the input, it flushes the partitions that the requests appended to (one durable write for
    /// all the requests a client pipelined) and writes every response that is ready, on the same
    /// thread. A response that is not ready yet (a long-polling fetch, a produce whose batches
    /// another connection's flush is writing, a group join) is written by whichever thread
    /// completes it, after those before it: responses leave strictly in request order. Sends are
    /// blocking too, bounded by a send timeout, so that a client that stops reading loses its
    /// connection rather than holding a thread.
    /// </summary>
    internal sealed class Connection
    {
        private const int InputBufferBytes = 64 * 1024;

        /// <summary>How long a send may wait for a client that does not read before the
        /// connection is closed.</summary>
        public const int SendTimeoutMs = 30_000;

        /// <summary>The connection thread's stack: request handling is shallow.</summary>
        public const int ThreadStackBytes = 512 * 1024;

        private readonly JournalNode node;
        private readonly Socket socket;
        private readonly CancellationTokenSource stopping;
        private readonly byte[] input = new byte[InputBufferBytes];
        private readonly HashSet<PartitionLog> appended = [];
        private readonly object responsesGate = new();
        private readonly Queue<(short ApiKey, PendingResponse Response)> responses = new();
        private readonly SemaphoreSlim inFlight;
        private int inputStart;
        private int inputEnd;
        private bool writing;
        private Task? awaitedHead;

        public Connection(JournalNode node, Socket socket, CancellationTokenSource stopping, int advertisedPort)
        {
            AdvertisedPort = advertisedPort;
            this.node = node;
            this.socket = socket;
            this.stopping = stopping;
            inFlight = new SemaphoreSlim(node.options.MaxInFlightRequestsPerConnection);
        }

        public CancellationToken Token => stopping.Token;

        /// <summary>The port this connection's client is told to connect to: its listener's.</summary>
        public int AdvertisedPort { get; }

        /// <summary>A request appended batches to <paramref name="log"/>: flush it before the
        /// connection next waits for input.</summary>
        public void NoteAppended(PartitionLog log) => appended.Add(log);

        /// <summary>Serves requests until the client goes away, sends something malformed, or
        /// the node stops.</summary>
        public void Run()
        {
            var endpoint = socket.RemoteEndPoint;
            try
            {
                while (true)
                {
                    if (!InputWaiting())
                    {
                        FlushAppended();
                        WriteReadyResponses();
                    }
                    if (!TryReadFrame(out var frame, out var size))
                    {
                        return;
                    }
                    try
                    {
                        if (!inFlight.Wait(0))
                        {
                            // The responses before this one wait for a flush, perhaps ours.
                            FlushAppended();
                            WriteReadyResponses();
                            inFlight.Wait(Token);
                        }
                        var apiKey = BinaryPrimitives.ReadInt16BigEndian(frame);
                        var response = node.Dispatch(frame, size, this);
                        lock (responsesGate)
                        {
                            responses.Enqueue((apiKey, response));
                        }
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(frame);
                    }
                }
            }
            catch (KafkaProtocolException exception)
            {
                node.logger.LogWarning("Closing connection from {Endpoint}: {Problem}", endpoint, exception.Message);
            }
            catch (Exception exception) when (exception is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // The peer went away, or the node is stopping.
            }
            catch (Exception exception)
            {
                node.logger.LogError(exception, "Closing connection from {Endpoint} after an unexpected failure", endpoint);
            }
            finally
            {
                // Batches appended by this connection's last requests are made durable even though
                // nobody will read their acknowledgements (acks=0 producers never do).
                FlushAppended();
                stopping.Cancel();
                Shutdown();
            }
        }

        private void FlushAppended()
        {
            foreach (var log in appended)
            {
                log.Flush();
            }
            appended.Clear();
        }

        private bool InputWaiting() => inputEnd > inputStart || socket.Available > 0;

        /// <summary>Reads one request frame (size prefix excluded) into a rented array; false at
        /// the end of the input.</summary>
        private bool TryReadFrame(out byte[] frame, out int size)
        {
            frame = [];
            size = 0;
            while (inputEnd - inputStart < 4)
            {
                if (!Fill())
                {
                    return false;
                }
            }
            size = BinaryPrimitives.ReadInt32BigEndian(input.AsSpan(inputStart));
            if (size < 8 || size > node.options.MaxRequestBytes)
            {
                throw new KafkaProtocolException($"request size {size} outside 8..{node.options.MaxRequestBytes}");
            }
            inputStart += 4;
            frame = ArrayPool<byte>.Shared.Rent(size);
            var buffered = Math.Min(size, inputEnd - inputStart);
            input.AsSpan(inputStart, buffered).CopyTo(frame);
            inputStart += buffered;
            var filled = buffered;
            try
            {
                while (filled < size)
                {
                    var received = socket.Receive(frame, filled, size - filled, SocketFlags.None);
                    if (received == 0)
                    {
                        throw new EndOfStreamException("the client closed the connection inside a request");
                    }
                    filled += received;
                }
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(frame);
                throw;
            }
            return true;
        }

        /// <summary>Receives what the client has sent (at least one byte); false at its end.</summary>
        private bool Fill()
        {
            if (inputStart == inputEnd)
            {
                inputStart = inputEnd = 0;
            }
            else if (inputStart > 0)
            {
                input.AsSpan(inputStart, inputEnd - inputStart).CopyTo(input);
                inputEnd -= inputStart;
                inputStart = 0;
            }
            var received = socket.Receive(input, inputEnd, input.Length - inputEnd, SocketFlags.None);
            if (received == 0)
            {
                return false;
            }
            inputEnd += received;
            return true;
        }

        /// <summary>
        /// Writes the responses at the head of the queue that are ready, in order, unless another
        /// thread is writing (it then writes them). When the head is not ready, arranges for the
        /// thread that completes it to come back here.
        /// </summary>
        private void WriteReadyResponses()
        {
            lock (responsesGate)
            {
                if (writing)
                {
                    return;
                }
                writing = true;
            }
            Task? waitFor = null;
            try
            {
                while (true)
                {
                    (short ApiKey, PendingResponse Response) next;
                    lock (responsesGate)
                    {
                        if (responses.Count == 0)
                        {
                            writing = false;
                            return;
                        }
                        next = responses.Peek();
                        if (!next.Response.Ready.IsCompleted)
                        {
                            writing = false;
                            if (!ReferenceEquals(awaitedHead, next.Response.Ready))
                            {
                                awaitedHead = next.Response.Ready;
                                waitFor = next.Response.Ready;
                            }
                            break;
                        }
                        responses.Dequeue();
                    }
                    var response = next.Response.Build();
                    if (node.options.DropConnectionInsteadOfResponding?.Invoke(next.ApiKey) == true)
                    {
                        // Fault injection (tests only): the request took effect, its answer is lost.
                        Close();
                        return;
                    }
                    if (response is not null)
                    {
                        Send(response.Finish().Span);
                    }
                    inFlight.Release();
                }
            }
            catch (Exception exception) when (exception is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                Close();
                return;
            }
            catch (Exception exception)
            {
                node.logger.LogError(exception, "A request handler failed; closing its connection");
                Close();
                return;
            }
            // Outside the lock: if the head completed meanwhile, this runs at once.
            waitFor?.ContinueWith(static (_, state) => ((Connection)state!).WriteReadyResponses(), this,
                CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }

        private void Send(ReadOnlySpan<byte> bytes)
        {
            while (!bytes.IsEmpty)
            {
                var sent = socket.Send(bytes, SocketFlags.None);
                bytes = bytes[sent..];
            }
        }

        /// <summary>Ends the connection from the writing side: the reading thread's receive
        /// returns and it stops.</summary>
        private void Close()
        {
            lock (responsesGate)
            {
                writing = true;
            }
            try
            {
                stopping.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
            Shutdown();
        }

        private void Shutdown()
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
            }
        }
    }
}
