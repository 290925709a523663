package dev.raylightning.strategies.launcher;

/** {@link RankInfo} as a short string, so it crosses Ray as a plain argument. */
final class RankInfoCodec {

    private RankInfoCodec() {}

    static String encode(RankInfo r) {
        return r.globalRank() + "," + r.localRank() + "," + r.nodeRank() + "," + r.worldSize() + ","
                + r.localWorldSize() + "," + r.numNodes();
    }

    static RankInfo decode(String s) {
        String[] p = s.split(",");
        if (p.length != 6) {
            throw new IllegalArgumentException("bad rank info: " + s);
        }
        return new RankInfo(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]),
                Integer.parseInt(p[3]), Integer.parseInt(p[4]), Integer.parseInt(p[5]));
    }
}
