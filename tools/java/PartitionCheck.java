import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.Utils;

/**
 * Kafka's own answer to "which partition does this key go to", for checking the shop's
 * partitioner against the Java client (tools/java/javaPartitionCheck.ts compiles and runs it).
 *
 * Usage: java -cp 'classes:libs/*' PartitionCheck <counts, e.g. 1,6,12> <hex of a key's UTF-8 bytes>...
 * ("-" for the empty key). Keys travel as hex so that no locale or shell can change their bytes.
 * Prints one line per key: "<murmur2 as a signed int> <partition for each count>", where the
 * partition is what the producer itself uses (BuiltInPartitioner.partitionForKey, Kafka 3.3+)
 * and must equal Utils.toPositive(Utils.murmur2(bytes)) % count.
 */
public final class PartitionCheck {
  public static void main(String[] args) {
    String[] counts = args[0].split(",");
    HexFormat hex = HexFormat.of();
    StringBuilder out = new StringBuilder();
    for (int i = 1; i < args.length; i++) {
      byte[] key = args[i].equals("-") ? new byte[0] : hex.parseHex(args[i]);
      int hash = Utils.murmur2(key);
      out.append(hash);
      for (String count : counts) {
        int partitions = Integer.parseInt(count);
        int partition = BuiltInPartitioner.partitionForKey(key, partitions);
        int byFormula = Utils.toPositive(hash) % partitions;
        if (partition != byFormula) {
          throw new IllegalStateException("BuiltInPartitioner says " + partition + ", the formula " + byFormula);
        }
        out.append(' ').append(partition);
      }
      out.append('\n');
    }
    System.out.print(out);
    System.out.flush();
  }
}
