package dev.nve.pcaptests.afxdp;

/**
 * The traffic of the AF_XDP end-to-end tests, as ordinary kernel sockets in Python (standard
 * library only, run with {@code -I -S}); every loop is bounded by a count and a time limit.
 * <ul>
 *   <li>{@code ping SRC DST COUNT TIMEOUT}: ICMP echo over a raw socket (no ping binary needed),
 *       payload checked; exit 0 when every request got its reply;</li>
 *   <li>{@code udp-echo-server ADDR PORT LIMIT}: prints READY, echoes until the datagram STOP
 *       or LIMIT seconds;</li>
 *   <li>{@code udp-client SRC DST PORT COUNT WINDOW TIMEOUT}: COUNT datagrams of 18..1317 bytes,
 *       WINDOW in flight, each echo checked; a silence of 2 s counts the window as lost;
 *       prints {@code UDP sent S received R lost L bad B}; exit 0 when all came back intact;</li>
 *   <li>{@code tcp-server ADDR PORT SIZE LIMIT} / {@code tcp-client SRC DST PORT SIZE TIMEOUT}:
 *       the client sends SIZE bytes of a SHA-256 counter stream, the server checks them and
 *       answers with SIZE bytes of another stream, which the client checks; both print
 *       {@code intact} or {@code CORRUPT}.</li>
 * </ul>
 */
final class Traffic
{
    static final String SCRIPT = """
        import hashlib, socket, struct, sys, time

        def pattern(seed, n):
            out = bytearray()
            i = 0
            while len(out) < n:
                out += hashlib.sha256(b'%d/%d' % (seed, i)).digest()
                i += 1
            return bytes(out[:n])

        def csum(b):
            if len(b) % 2:
                b += b'\\0'
            s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
            while s >> 16:
                s = (s & 0xffff) + (s >> 16)
            return ~s & 0xffff

        def ping(src, dst, count, timeout):
            s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
            s.bind((src, 0))
            ident = (int(time.time() * 1000) ^ 0x5a5a) & 0xffff
            ok = 0
            rtts = []
            for seq in range(1, count + 1):
                payload = pattern(seq, 56)
                head = struct.pack('!BBHHH', 8, 0, 0, ident, seq)
                pkt = struct.pack('!BBHHH', 8, 0, csum(head + payload), ident, seq) + payload
                t0 = time.monotonic()
                s.sendto(pkt, (dst, 0))
                deadline = t0 + timeout
                while True:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        print('PING timeout seq', seq, flush=True)
                        break
                    s.settimeout(left)
                    try:
                        data, addr = s.recvfrom(2048)
                    except socket.timeout:
                        print('PING timeout seq', seq, flush=True)
                        break
                    ihl = (data[0] & 0x0f) * 4
                    icmp = data[ihl:]
                    if addr[0] == dst and icmp[0] == 0 and struct.unpack('!HH', icmp[4:8]) == (ident, seq) and icmp[8:] == payload:
                        ok += 1
                        rtts.append((time.monotonic() - t0) * 1000)
                        break
                time.sleep(0.05)
            print('PING %s -> %s %d/%d replies avg %.3f ms max %.3f ms' % (src, dst, ok, count, sum(rtts) / len(rtts) if rtts else -1, max(rtts) if rtts else -1), flush=True)
            return 0 if ok == count else 1

        def udp_echo_server(addr, port, limit):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
            s.bind((addr, port))
            print('READY', flush=True)
            deadline = time.monotonic() + limit
            n = 0
            while time.monotonic() < deadline:
                s.settimeout(max(0.01, deadline - time.monotonic()))
                try:
                    data, peer = s.recvfrom(65535)
                except socket.timeout:
                    break
                if data == b'STOP':
                    break
                s.sendto(data, peer)
                n += 1
            print('ECHOED', n, flush=True)
            return 0

        def udp_client(src, dst, port, count, window, timeout):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
            s.bind((src, 0))
            s.connect((dst, port))
            s.settimeout(2.0)
            body = pattern(7, 1400)
            sent = received = lost = bad = 0
            seen = bytearray(count)
            deadline = time.monotonic() + timeout
            while received + lost < count and time.monotonic() < deadline:
                while sent < count and sent - received - lost < window:
                    size = 18 + (sent * 37) % 1300
                    s.send(struct.pack('!Q', sent) + body[:size - 8])
                    sent += 1
                try:
                    data = s.recv(65535)
                except (socket.timeout, ConnectionRefusedError):
                    lost += sent - received - lost
                    continue
                seq = struct.unpack('!Q', data[:8])[0]
                size = 18 + (seq * 37) % 1300
                if seq >= sent or seen[seq] or len(data) != size or data[8:] != body[:size - 8]:
                    bad += 1
                else:
                    seen[seq] = 1
                received += 1
            s.send(b'STOP')
            print('UDP sent %d received %d lost %d bad %d' % (sent, received, lost, bad), flush=True)
            return 0 if received == count and bad == 0 else 1

        def recv_exact(c, n):
            buf = bytearray()
            while len(buf) < n:
                chunk = c.recv(min(1 << 16, n - len(buf)))
                if not chunk:
                    break
                buf += chunk
            return bytes(buf)

        def tcp_server(addr, port, size, limit):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((addr, port))
            s.listen(1)
            s.settimeout(limit)
            print('READY', flush=True)
            c, peer = s.accept()
            c.settimeout(limit)
            got = recv_exact(c, size)
            ok = got == pattern(1, size)
            c.sendall(pattern(2, size))
            c.shutdown(socket.SHUT_WR)
            recv_exact(c, 1)
            print('TCP server received %d bytes from %s %s' % (len(got), peer[0], 'intact' if ok else 'CORRUPT'), flush=True)
            return 0 if ok else 1

        def tcp_client(src, dst, port, size, timeout):
            t0 = time.monotonic()
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.bind((src, 0))
            c.settimeout(timeout)
            c.connect((dst, port))
            c.sendall(pattern(1, size))
            got = recv_exact(c, size)
            ok = got == pattern(2, size)
            c.close()
            print('TCP client received %d bytes %s in %.3f s' % (len(got), 'intact' if ok else 'CORRUPT', time.monotonic() - t0), flush=True)
            return 0 if ok else 1

        if __name__ == '__main__':
            a = sys.argv[1:]
            if a[0] == 'ping':
                sys.exit(ping(a[1], a[2], int(a[3]), float(a[4])))
            if a[0] == 'udp-echo-server':
                sys.exit(udp_echo_server(a[1], int(a[2]), float(a[3])))
            if a[0] == 'udp-client':
                sys.exit(udp_client(a[1], a[2], int(a[3]), int(a[4]), int(a[5]), float(a[6])))
            if a[0] == 'tcp-server':
                sys.exit(tcp_server(a[1], int(a[2]), int(a[3]), float(a[4])))
            if a[0] == 'tcp-client':
                sys.exit(tcp_client(a[1], a[2], int(a[3]), int(a[4]), float(a[5])))
            sys.exit('unknown mode ' + a[0])
        """;

    private Traffic()
    {
    }
}
