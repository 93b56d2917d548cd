package io.mixnorm.nn;

import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.BlockList;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.util.Pair;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Replaces selected DJL {@link BatchNorm} blocks of any block tree by {@link MixtureNorm}, {@link
 * ModeNorm} or any block a template builds — the paper's recipe "replace a few BN modules" applied
 * to a network that was written with DJL's own blocks.
 *
 * <pre>{@code
 * SequentialBlock net = ...;                        // Conv2d, BatchNorm, ParallelBlock, ...
 * List<NormSurgery.Replacement> done = NormSurgery.replace(net, "first:2",
 *         NormSurgery.mixtureNorm(42L, b -> b.optComponents(3)));
 * model.setBlock(net);
 * net.initialize(manager, DataType.FLOAT32, inputShape);   // or trainer.initialize(inputShape)
 * }</pre>
 *
 * <h2>Paths and indices</h2>
 *
 * The tree is walked depth first through {@link Block#getChildren()}, children in order. A block's
 * <b>path</b> is the slash-joined names DJL gave the children on the way down from the root, e.g.
 * {@code 04ParallelBlock/01SequentialBlock/02BatchNorm} (a {@code SequentialBlock} names its
 * children {@code 01Conv2d}, {@code 02BatchNorm}, ...). A {@code BatchNorm}'s <b>index</b> is its
 * 1-based position among the tree's {@code BatchNorm}s in that order. A {@code BatchNorm}'s own
 * children are not visited. Selections are {@link LayerSelection}s whose names are these paths
 * ({@code "first:2,04ParallelBlock/01SequentialBlock/05BatchNorm,7"}), or a {@link Predicate} on
 * {@link BatchNormInfo}. {@link #batchNorms(Block)} lists what there is.
 *
 * <h2>What is kept</h2>
 *
 * The replacement takes the replaced block's place and name in its parent, so the tree's shape, the
 * order of its parameters and every other block's name are unchanged (a parameter of the new block
 * is reported under the old name, e.g. {@code 02BatchNorm_gamma}). {@link #mixtureNorm(long,
 * UnaryOperator)} and {@link #modeNorm(long, UnaryOperator)} carry over the replaced block's
 * epsilon, momentum (converted: DJL's {@code BatchNorm} momentum is the weight of the <i>old</i>
 * running value, default 0.9; MixtureNorm's and ModeNorm's is the weight of the <i>new</i> batch,
 * so 0.9 becomes 0.1), and for MixtureNorm centre/scale; the options function may override any of
 * them. Each layer gets the seed {@link #layerSeed(long, int)}.
 *
 * <h2>Before initialization only</h2>
 *
 * Surgery is a build-time step: replace, then initialize (or load parameters saved from a model
 * with the same surgery). An already initialised {@code BatchNorm} is refused: its trained single
 * Gaussian would give a mixture of K equal components, which EM cannot separate and which does not
 * reproduce the BN's output (MixtureNorm's {@code 1/√λ} factor makes it {@code √K} times larger),
 * and the new block would need shapes and arrays the tree's manager owns.
 *
 * <h2>How children are replaced</h2>
 *
 * DJL offers no setter for a child: {@link AbstractBlock#getChildren()} returns a copy, and the
 * list itself is the protected field {@code AbstractBlock.children}. Surgery reads that field by
 * reflection and sets the entry's value in place (names and order kept). This is sound for every
 * block whose forward, initialization and parameter save/load go through {@code children}, as
 * {@code SequentialBlock}'s and {@code ParallelBlock}'s do. A block that also keeps the {@code
 * BatchNorm} in a field of its own and calls it from its forward would keep calling the old block;
 * surgery detects that case and refuses it. The settings of DJL's {@code BatchNorm} (epsilon,
 * momentum, axis, centre, scale) have no getters and are read by reflection too. Under the module
 * system this needs {@code ai.djl.api} open to this module (it is, on the class path and as an
 * automatic module).
 *
 * <p>Every check runs before anything changes: a surgery that throws leaves the tree untouched.
 */
public final class NormSurgery {

    private NormSurgery() {}

    /**
     * One {@code BatchNorm} of a tree and the settings it was built with.
     *
     * @param path slash-joined child names from the root
     * @param index 1-based position among the tree's BatchNorms, depth first
     * @param block the BatchNorm itself
     * @param epsilon its epsilon
     * @param momentum its momentum in DJL's convention (weight of the old running value)
     * @param axis its channel axis
     * @param center whether it learns β
     * @param scale whether it learns γ
     */
    public record BatchNormInfo(
            String path,
            int index,
            BatchNorm block,
            float epsilon,
            float momentum,
            int axis,
            boolean center,
            boolean scale) {

        /**
         * @return the momentum as the weight of the new batch (MixtureNorm's convention)
         */
        public float newBatchMomentum() {
            return 1f - momentum;
        }
    }

    /**
     * What one surgery did at one position.
     *
     * @param path the position's path (unchanged)
     * @param index the replaced BatchNorm's index
     * @param original the BatchNorm taken out
     * @param replacement the block put in
     */
    public record Replacement(String path, int index, BatchNorm original, Block replacement) {

        /**
         * @return the number of channels, known once the tree is initialised (from the new block's
         *     {@code gamma}); empty before
         */
        public OptionalLong channels() {
            for (Pair<String, Parameter> p : replacement.getParameters()) {
                if (p.getKey().equals("gamma") && p.getValue().isInitialized()) {
                    return OptionalLong.of(p.getValue().getArray().getShape().get(0));
                }
            }
            return OptionalLong.empty();
        }
    }

    /**
     * Lists a tree's BatchNorms in depth-first order.
     *
     * @param root the tree
     * @return path, index and settings of each
     */
    public static List<BatchNormInfo> batchNorms(Block root) {
        List<Site> sites = new ArrayList<>();
        walk(root, null, -1, "", sites);
        return sites.stream().map(Site::info).toList();
    }

    /**
     * Replaces the BatchNorms a selection string names.
     *
     * @param root the tree (not yet initialised)
     * @param selection e.g. {@code "first:2,03SequentialBlock/02BatchNorm,5"} or {@code "all"}; see
     *     {@link LayerSelection}
     * @param template builds the new block for each selected BatchNorm
     * @return what was replaced, in index order
     * @throws IllegalArgumentException if the selection is malformed, names a path or index the
     *     tree does not have, or selects nothing; the message lists the BatchNorm paths there are
     * @throws IllegalStateException if a selected BatchNorm cannot be replaced (initialised, the
     *     root, held in a field of its parent, shared at two places, channel axis other than 1)
     */
    public static List<Replacement> replace(
            Block root, String selection, Function<BatchNormInfo, ? extends Block> template) {
        return replace(root, LayerSelection.parse(selection), template);
    }

    /**
     * Replaces the BatchNorms a selection names.
     *
     * @param root the tree (not yet initialised)
     * @param selection names are paths, indices are depth-first positions
     * @param template builds the new block for each selected BatchNorm
     * @return what was replaced, in index order
     * @see #replace(Block, String, Function)
     */
    public static List<Replacement> replace(
            Block root,
            LayerSelection selection,
            Function<BatchNormInfo, ? extends Block> template) {
        List<Site> sites = sites(root);
        List<String> paths = sites.stream().map(s -> s.info.path()).toList();
        try {
            selection.requireAllUsed(paths, "BatchNorm");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("NormSurgery: " + e.getMessage(), e);
        }
        List<Site> chosen =
                sites.stream()
                        .filter(s -> selection.matches(s.info.path(), s.info.index()))
                        .toList();
        return apply(sites, chosen, "selection '" + selection + "'", template);
    }

    /**
     * Replaces the BatchNorms a predicate accepts.
     *
     * @param root the tree (not yet initialised)
     * @param which accepts the BatchNorms to replace
     * @param template builds the new block for each selected BatchNorm
     * @return what was replaced, in index order
     * @throws IllegalArgumentException if the predicate accepts none (the message lists the
     *     BatchNorm paths there are)
     */
    public static List<Replacement> replace(
            Block root,
            Predicate<BatchNormInfo> which,
            Function<BatchNormInfo, ? extends Block> template) {
        List<Site> sites = sites(root);
        List<Site> chosen = sites.stream().filter(s -> which.test(s.info)).toList();
        return apply(sites, chosen, "the predicate", template);
    }

    /**
     * A template of MixtureNorm layers: each starts from the replaced BatchNorm's epsilon, momentum
     * (converted to the new-batch weight), centre and scale and from the seed {@link
     * #layerSeed(long, int)} of its index, then {@code options} sets the rest (and may override
     * those).
     *
     * @param seed the network's seed of the norm layers
     * @param options e.g. {@code b -> b.optComponents(3)}
     * @return the template
     */
    public static Function<BatchNormInfo, Block> mixtureNorm(
            long seed, UnaryOperator<MixtureNorm.Builder> options) {
        return bn ->
                options.apply(
                                MixtureNorm.builder()
                                        .optEpsilon(bn.epsilon())
                                        .optMomentum(bn.newBatchMomentum())
                                        .optCenter(bn.center())
                                        .optScale(bn.scale())
                                        .optSeed(layerSeed(seed, bn.index())))
                        .build();
    }

    /**
     * A template of ModeNorm layers: each starts from the replaced BatchNorm's epsilon and momentum
     * (converted to the new-batch weight) and from the seed {@link #layerSeed(long, int)} of its
     * index, then {@code options} sets the rest (and may override those). ModeNorm always learns α
     * and β.
     *
     * @param seed the network's seed of the norm layers
     * @param options e.g. {@code b -> b.optComponents(2)}
     * @return the template
     */
    public static Function<BatchNormInfo, Block> modeNorm(
            long seed, UnaryOperator<ModeNorm.Builder> options) {
        return bn ->
                options.apply(
                                ModeNorm.builder()
                                        .optEpsilon(bn.epsilon())
                                        .optMomentum(bn.newBatchMomentum())
                                        .optSeed(layerSeed(seed, bn.index())))
                        .build();
    }

    /**
     * The seed of the norm layer at a 1-based index: each layer draws from its own stream, so
     * replacing one more layer does not change another's random choices. The lab's models use the
     * same rule.
     *
     * @param seed the network's seed of the norm layers
     * @param index the layer's 1-based index
     * @return {@code seed · 1,000,003 + index}
     */
    public static long layerSeed(long seed, int index) {
        return seed * 1_000_003L + index;
    }

    // ------------------------------------------------------------------ internals

    /** A BatchNorm, its parent and its position among the parent's children. */
    private record Site(BatchNormInfo info, Block parent, int position) {}

    private static List<Site> sites(Block root) {
        List<Site> sites = new ArrayList<>();
        walk(root, null, -1, "", sites);
        if (sites.isEmpty()) {
            throw new IllegalArgumentException(
                    "NormSurgery: no BatchNorm in this model (nothing to replace)");
        }
        return sites;
    }

    private static void walk(Block b, Block parent, int position, String path, List<Site> out) {
        if (b instanceof BatchNorm bn) {
            out.add(new Site(info(bn, path, out.size() + 1), parent, position));
            return;
        }
        int i = 0;
        for (Pair<String, Block> child : b.getChildren()) {
            String p = path.isEmpty() ? child.getKey() : path + "/" + child.getKey();
            walk(child.getValue(), b, i++, p, out);
        }
    }

    private static List<Replacement> apply(
            List<Site> sites,
            List<Site> chosen,
            String what,
            Function<BatchNormInfo, ? extends Block> template) {
        if (chosen.isEmpty()) {
            throw new IllegalArgumentException(
                    "NormSurgery: "
                            + what
                            + " selects no BatchNorm;"
                            + " BatchNorm paths: "
                            + String.join(",", sites.stream().map(s -> s.info.path()).toList()));
        }
        for (Site s : chosen) {
            requireReplaceable(s);
        }
        for (Site s : sites) {
            for (Site c : chosen) {
                if (s != c && s.info.block() == c.info.block()) {
                    throw new IllegalStateException(
                            "NormSurgery: BatchNorm "
                                    + c.info.path()
                                    + " is the same block as "
                                    + s.info.path()
                                    + "; replacing it would"
                                    + " end the sharing of its parameters");
                }
            }
        }
        List<Block> built = new ArrayList<>();
        for (Site s : chosen) {
            Block b = template.apply(s.info);
            if (b == null) {
                throw new IllegalArgumentException(
                        "NormSurgery: the template returned null for " + s.info.path());
            }
            built.add(b);
        }
        List<Replacement> done = new ArrayList<>();
        for (int i = 0; i < chosen.size(); i++) {
            Site s = chosen.get(i);
            // in place in the parent's own child list (a PairList whose values() is that list,
            // not a copy): the name stays, and forward/initialize/save/load see the new block
            children((AbstractBlock) s.parent).values().set(s.position, built.get(i));
            done.add(new Replacement(s.info.path(), s.info.index(), s.info.block(), built.get(i)));
        }
        return List.copyOf(done);
    }

    private static void requireReplaceable(Site s) {
        String where =
                "NormSurgery: BatchNorm " + s.info.path() + " (index " + s.info.index() + ")";
        if (s.parent == null) {
            throw new IllegalStateException(
                    where
                            + " is the root block; there is no parent to put"
                            + " a replacement in (use the new block as the model's block instead)");
        }
        if (s.info.block().isInitialized()) {
            throw new IllegalStateException(
                    where
                            + " is already initialised; do the surgery on"
                            + " a freshly built network, then initialize it (trained BatchNorm"
                            + " statistics do not carry over to a mixture)");
        }
        if (s.info.axis() != 1) {
            throw new IllegalStateException(
                    where
                            + " normalises axis "
                            + s.info.axis()
                            + "; MixtureNorm and ModeNorm normalise axis 1 (N, C, ...)");
        }
        if (!(s.parent instanceof AbstractBlock)) {
            throw new IllegalStateException(
                    where
                            + " is a child of "
                            + s.parent.getClass().getName()
                            + ", which is not an AbstractBlock; its"
                            + " children cannot be replaced");
        }
        String field = fieldHolding(s.parent, s.info.block());
        if (field != null) {
            throw new IllegalStateException(
                    where
                            + " is also held in the field "
                            + field
                            + ", which the parent's forward would keep calling; replace it in that"
                            + " block's own code");
        }
    }

    /** The field of {@code parent}'s own classes (not AbstractBlock's) that holds {@code b}. */
    private static String fieldHolding(Block parent, Block b) {
        for (Class<?> c = parent.getClass();
                c != null && c != AbstractBlock.class;
                c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
                    continue;
                }
                if (f.trySetAccessible()) {
                    try {
                        if (f.get(parent) == b) {
                            return c.getSimpleName() + "." + f.getName();
                        }
                    } catch (IllegalAccessException e) {
                        // not readable: cannot hold it as far as we can tell
                    }
                }
            }
        }
        return null;
    }

    private static BlockList children(AbstractBlock parent) {
        return (BlockList) read(AbstractBlock.class, "children", parent);
    }

    private static BatchNormInfo info(BatchNorm bn, String path, int index) {
        return new BatchNormInfo(
                path,
                index,
                bn,
                (Float) read(BatchNorm.class, "epsilon", bn),
                (Float) read(BatchNorm.class, "momentum", bn),
                (Integer) read(BatchNorm.class, "axis", bn),
                (Boolean) read(BatchNorm.class, "center", bn),
                (Boolean) read(BatchNorm.class, "scale", bn));
    }

    private static Object read(Class<?> owner, String name, Object target) {
        try {
            Field f = owner.getDeclaredField(name);
            f.setAccessible(true);
            return f.get(target);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException(
                    "NormSurgery: cannot read "
                            + owner.getName()
                            + "."
                            + name
                            + " (a DJL version other than the one this build was tested with?): "
                            + e,
                    e);
        }
    }
}
