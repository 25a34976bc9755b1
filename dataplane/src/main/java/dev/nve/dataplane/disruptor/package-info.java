/**
 * Disruptor mode: the pipeline's stages on a second thread, fed through an LMAX Disruptor ring
 * of preallocated batch events ({@link dev.nve.dataplane.disruptor.DisruptorPipeline}).
 *
 * <p>Threads and what each one owns:
 * <ul>
 *   <li>receive thread ({@link dev.nve.dataplane.disruptor.RxAgent}, an Agrona agent): its
 *       ports' receive side, its staging batch, the receive pool; the producer side of the ring;
 *       the consumer side of the return queue;</li>
 *   <li>handler thread ({@link dev.nve.dataplane.disruptor.PipelineEventHandler} in a Disruptor
 *       {@code BatchEventProcessor}): the batch of the event it is processing, a
 *       {@link dev.nve.dataplane.pipeline.Pipeline} (stages, flood replica batch, counters), its
 *       ports' transmit side, the handler pool; the producer side of the return queue.</li>
 * </ul>
 * A frame is always in exactly one place: free in one of the two pools, in a port's rings or
 * queue, in a staging or event batch, or in the return queue
 * ({@link dev.nve.dataplane.disruptor.SpscLongQueue}). Hand-overs are ordered by the ring's
 * publish/sequence (release/acquire) and by the queue's indices (release/acquire).
 *
 * <p>Ports: a port whose receive and transmit sides share state must be split into two objects
 * (one per pool) or be safe for that split. {@code InMemoryPort}, {@code PcapPort} and the
 * benchmarks' {@code LoopbackPort} are split by constructing one object per side.
 * {@code AfXdpPort} is not yet usable here: its receive path reaps completions and both paths
 * use the UMEM's single pool and one errno scratch segment (see docs/BENCHMARKS.md for the
 * change it needs).
 */
package dev.nve.dataplane.disruptor;
