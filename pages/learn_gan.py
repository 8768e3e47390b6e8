"""Learn: a GAN on a 2-D toy, trained a few steps per click; mode collapse counted; the VAE's β trade-off beside it."""

import numpy as np
import streamlit as st

from core.lessons import gan
from ui import sidebar, state
from ui.errors import captured, chart, guarded
from ui.lessons import numeric_columns, teach
from ui.text import md

PAGE = "learn_gan"
STEP_CHOICES = (50, 100, 200)
BETAS = (0.0, 0.01, 0.1, 0.5, 1.0, 2.0, 5.0)


def choose_data(ws) -> tuple[gan.Toy, int, tuple]:
    """The toy or two columns of the loaded table, as the widgets say (the toy when the table has no pair)."""
    source = st.radio("Data", ["toy", "loaded table"], key=state.keep("gan_source", "toy"), horizontal=True,
                      help="A toy data set with known shape, or two numeric columns of the table you loaded.")
    seed = int(st.number_input("Seed", 0, 2**31 - 1, key=state.keep("gan_seed", 0),
                               help="The same seed gives the same data, networks and pictures, click for click."))
    if source == "loaded table":
        columns = numeric_columns(ws.real)
        if len(columns) < 2:
            st.info(f"The loaded table {md(ws.name)} has fewer than two numeric columns with at least 20 values, "
                    "so the lesson uses the toy instead.")
        else:
            left, right = st.columns(2)
            x = left.selectbox("x", columns, key="gan_x", format_func=str)
            others = [c for c in columns if c != x]
            y = right.selectbox("y", others, key="gan_y", format_func=str)
            data = guarded("preparing the two columns", gan.table_toy, ws.real, x, y, rng=seed)
            if data is not None:
                st.caption("Both columns are standardised (z-scores). A table has no known modes, so the mode count "
                           "is shown only on the blob grid.")
                return data, seed, ("table", ws.name, str(x), str(y), seed)
            st.caption("Using the toy instead.")
    name = st.selectbox("Toy data set", gan.DATASETS, key=state.keep("gan_toy", "blob grid"),
                        help="The blob grid has nine known modes, so mode collapse can be counted.")
    return gan.toy(name, rng=seed), seed, ("toy", name, seed)


def model(slot: str, key: tuple, make):
    """The model in ``st.session_state[slot]`` for these settings; a new one when they changed."""
    held = st.session_state.get(slot)
    if held is None or held[0] != key:
        built = guarded("building the networks", make)
        if built is None:
            return None
        st.session_state[slot] = (key, built)
    return st.session_state[slot][1]


def stepped(slot: str, prefix: str, key: tuple, make):
    """The model for these settings with its stepping controls: steps per click, train, start over."""
    steps = st.segmented_control("Steps per click", STEP_CHOICES, key=state.keep(f"{prefix}_steps", 200)) or 200
    net = model(slot, key, make)
    if net is not None:
        left, right = st.columns(2)
        left.button(f"Train {steps} more steps", key=f"{prefix}_train", type="primary", icon=":material/play_arrow:",
                    on_click=train, args=(slot, steps))
        right.button("Start over", key=f"{prefix}_reset", icon=":material/restart_alt:", on_click=forget, args=(slot,))
    return net


def train(slot: str, steps: int) -> None:
    held = st.session_state.get(slot)
    if held is not None:
        state.new_action(PAGE)
        captured("training", held[1].step, steps)


def forget(slot: str) -> None:
    st.session_state.pop(slot, None)


def render() -> None:
    ws = state.workspace()
    sidebar.render(ws)
    st.title("A GAN on a 2-D toy")
    st.markdown(
        "A **generator** turns random noise into points; a **discriminator** (or *critic*) learns to tell those "
        "points from real ones, and the generator learns to fool it. In two dimensions you can watch both: the "
        "grey map is the discriminator's opinion of every point of the plane, the crosses are what the generator "
        "makes. Train a few hundred steps at a time and watch the crosses move towards the data, or not.")
    state.show_flash(PAGE)
    data, seed, data_key = choose_data(ws)
    gan_tab, vae_tab = st.tabs(["GAN: training and mode collapse", "VAE: the β trade-off"])
    with gan_tab:
        gan_lesson(data, seed, data_key)
    with vae_tab:
        vae_lesson(data, seed, data_key)


def gan_lesson(data: gan.Toy, seed: int, data_key: tuple) -> None:
    names = list(gan.SETTINGS)
    setting = st.selectbox("Training setting", names, key=state.keep("gan_setting", names[0]),
                           help="Changing the setting, the data or the seed starts a new GAN.")
    loss, lr, beta1 = gan.SETTINGS[setting]
    net = stepped("gan_model", "gan", (data_key, setting),
                  lambda: gan.ToyGAN(data.points, loss=loss, lr=lr, beta1=beta1, seed=seed))
    if net is None:
        return
    chart("drawing the generator's samples", gan.gan_figure, net, data, key="gan_picture")
    samples = net.samples()
    cols = st.columns(3)
    cols[0].metric("Steps trained", f"{net.steps:,}")
    cols[1].metric("Mean distance to the nearest real point", f"{gan.nearest_distance(samples, data.points):.3f}",
                   help="Over 500 generated points; it falls as the samples land on the data.")
    if data.centres is not None:
        covered = gan.modes_covered(samples, data.centres, data.sigma)
        _, close = gan.mode_coverage(samples, data.centres, data.sigma)
        cols[2].metric("Modes covered", f"{covered} of {len(data.centres)}",
                       help="A sample belongs to the nearest blob centre within 2σ; a mode counts as covered when "
                            "it holds at least a quarter of the samples an even spread would give it.")
        st.markdown(f"The generator **covers {covered} of {len(data.centres)} modes**; {close:.0%} of its samples "
                    "lie within 2σ of some blob centre.")
    if net.history:
        chart("drawing the losses", gan.loss_figure, net.history, ("discriminator", "generator"),
              title="Losses so far", key="gan_losses")
    teach(
        "With the collapse-prone setting the crosses gather on one or two blobs and jump from "
        "blob to blob between clicks: wherever they sit, the discriminator learns to call that place fake (it turns "
        "pale there) and the generator flees to the next one. The losses keep swinging instead of settling; they "
        "say little about the samples, which is why the mode count is the number to watch. The stable setting "
        "(smaller steps, less momentum) spreads the crosses over most blobs.",
        "On the blob grid, train the collapse-prone setting for 1,000 steps, then the stable "
                "one. Before you click: which covers more modes, and does a lower generator loss mean better samples?",
        "The stable setting covers most of the nine blobs (with seed 0 about 6 to 8 after 1,600 steps); the "
        "collapse-prone one covers 0 to 2 and hops between them. A low generator loss only says the current "
        "discriminator is fooled, not that the samples cover the data: a collapsed generator often has a low "
        "loss for a while, just before the discriminator catches up.")


def vae_lesson(data: gan.Toy, seed: int, data_key: tuple) -> None:
    st.markdown(
        "A **VAE** squeezes each point into a code z, is punished (weight β) when the codes stray from a standard "
        "normal, and decodes z back. New points come from decoding fresh draws of z ~ N(0, I).")
    beta = st.select_slider("β (weight of the KL term)", BETAS, key=state.keep("gan_beta", 1.0),
                            help="Changing β, the data or the seed starts a new VAE.")
    net = stepped("gan_vae", "gan_vae", (data_key, beta), lambda: gan.ToyVAE(data.points, beta=beta, seed=seed))
    if net is None:
        return
    chart("drawing the VAE's points", gan.vae_figure, net, data, key="gan_vae_picture")
    cols = st.columns(3)
    cols[0].metric("Steps trained", f"{net.steps:,}")
    cols[1].metric("Reconstruction error", f"{net.reconstruction_error():.3f}",
                   help="Mean squared distance between a point and its reconstruction (data in z-scores).")
    prior = net.prior_samples()
    cols[2].metric("Prior samples: distance to data", f"{gan.nearest_distance(prior, data.points):.3f}",
                   help="Mean distance from each point decoded from N(0, I) to the nearest real point.")
    spread = float(np.mean(np.std(prior, axis=0)))
    st.caption(f"Spread of the prior samples (mean sd of the two coordinates): {spread:.2f}; the data's is "
               f"{float(np.mean(np.std(data.points, axis=0))):.2f}.")
    if net.history:
        chart("drawing the losses", gan.loss_figure, net.history, ("reconstruction error", "KL"),
              title="Loss terms so far", key="gan_vae_losses")
    teach(
        "With a small β the reconstructions sit on the real points (sharp), but the crosses "
        "sampled from the prior fall between and beyond the shapes: the codes did not fill N(0, I), so a fresh "
        "draw decodes to places with no data. With a large β the codes are forced onto the prior, the decoder can "
        "no longer tell points apart, and both reconstructions and samples shrink into a smooth blur near the middle.",
        "Train β = 0.01 and β = 5 for 600 steps each. Which has the smaller reconstruction "
                "error, and which samples look more like the data? Is there a β that does both well?",
        "β = 0.01 reconstructs almost perfectly (error near 0) and β = 5 badly (the points collapse towards the "
        "mean), but neither samples well: the first scatters samples off the data, the second blurs them. An "
        "intermediate β (about 0.1 on the moons) is the compromise: this is the trade-off between fidelity of "
        "reconstruction and a latent space you can sample from, and why VAE samples tend to look smoother than "
        "a well-trained GAN's.")


render()
