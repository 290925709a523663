package dev.raylightning.bench.ddp;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import dev.raylightning.bench.SilentModule;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The compute-bound CNNs of the benchmark, from 0.1 to 5 million parameters, on 28x28 Fashion-MNIST
 * images. bench/python/lightning_mlp.py builds the same networks ({@code build_net}).
 */
enum CnnFamily {

    /** conv 16 (pad 1), pool, conv 32 (pad 1), pool, 1,568 -> 64 -> 10: 105,866 parameters. */
    CNN_S("cnn-s"),

    /** PyTorch's MNIST example: conv 32, conv 64 (no padding), pool, 9,216 -> 128 -> 10: 1,199,882 parameters. */
    CNN_M("cnn-m"),

    /** CNN_M with a third convolution (128, pad 1) and pool, 4,608 -> 1,024 -> 10: 4,822,538 parameters. */
    CNN_L("cnn-l");

    private final String label;

    CnnFamily(String label) {
        this.label = label;
    }

    /** The member with this label, e.g. "cnn-m"; empty for any other model name. */
    static Optional<CnnFamily> of(String label) {
        return Arrays.stream(values()).filter(f -> f.label.equals(label.toLowerCase(Locale.ROOT))).findFirst();
    }

    Block block() {
        SequentialBlock b = new SequentialBlock();
        switch (this) {
            case CNN_S -> b.add(conv(16, 1)).add(Activation::relu).add(pool())
                    .add(conv(32, 1)).add(Activation::relu).add(pool())
                    .add(Blocks.batchFlattenBlock()).add(linear(64)).add(Activation::relu).add(linear(10));
            case CNN_M -> b.add(conv(32, 0)).add(Activation::relu).add(conv(64, 0)).add(Activation::relu).add(pool())
                    .add(Blocks.batchFlattenBlock()).add(linear(128)).add(Activation::relu).add(linear(10));
            case CNN_L -> b.add(conv(32, 0)).add(Activation::relu).add(conv(64, 0)).add(Activation::relu).add(pool())
                    .add(conv(128, 1)).add(Activation::relu).add(pool())
                    .add(Blocks.batchFlattenBlock()).add(linear(1024)).add(Activation::relu).add(linear(10));
        }
        return b;
    }

    private static Block conv(int filters, int pad) {
        return Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(pad, pad)).setFilters(filters)
                .build();
    }

    private static Block pool() {
        return Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2));
    }

    private static Block linear(int units) {
        return Linear.builder().setUnits(units).build();
    }

    /** A member as a module that logs nothing ({@link SilentModule}), like the Python peer's. */
    static final class Module extends SilentModule {

        private static final long serialVersionUID = 1L;

        private final CnnFamily net;

        Module(CnnFamily net) {
            this.net = net;
        }

        @Override
        protected Block configureBlock() {
            return net.block();
        }
    }
}
