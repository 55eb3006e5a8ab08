"""One VAE/GAN update: three Adam optimizers (encoder, generator, discriminator), each on its
own loss from worldmodels.models.vae_gan, all from one forward pass."""
from __future__ import annotations

import keras
import tensorflow as tf

from worldmodels.config import VAEConfig
from worldmodels.models import vae_gan
from worldmodels.models.vae import kl_divergence, sample


class VAEGANSteps:
    def __init__(self, cfg: VAEConfig):
        self.model = vae_gan.VAEGAN(cfg.z_size)
        self.optimizers = {name: keras.optimizers.Adam(cfg.learning_rate)
                           for name in ("encoder_optimizer", "generator_optimizer",
                                        "discriminator_optimizer")}

    @tf.function
    def step(self, images, noise):
        """Returns ({loss name: value}, reconstructions, z); 'total' sums the three losses."""
        m = self.model
        with tf.GradientTape(persistent=True) as tape:
            mu, logvar = m.encode(images, training=True)
            z = sample(mu, logvar, noise)
            recon = m.decode(z, training=True)
            prior = m.decode(tf.random.normal(tf.shape(z)), training=True)
            real_logits, real_features = m.discriminate(images, training=True)
            recon_logits, recon_features = m.discriminate(recon, training=True)
            prior_logits, _ = m.discriminate(prior, training=True)
            enc = vae_gan.encoder_loss(real_features, recon_features, mu, logvar, z)
            gen = vae_gan.generator_loss(real_features, recon_features, recon_logits, prior_logits)
            dis = vae_gan.discriminator_loss(real_logits, recon_logits, prior_logits)
        for loss, variables, name in ((enc, m.encoder_variables, "encoder_optimizer"),
                                      (gen, m.generator_variables, "generator_optimizer"),
                                      (dis, m.discriminator_variables, "discriminator_optimizer")):
            grads = tape.gradient(loss, variables)
            self.optimizers[name].apply_gradients(zip(grads, variables))
        del tape
        return {"total": enc + gen + dis, "encoder": enc, "generator": gen, "discriminator": dis,
                "feature_error": vae_gan.feature_error(real_features, recon_features),
                "kl": tf.reduce_mean(kl_divergence(mu, logvar)),
                "moment_matching": vae_gan.moment_matching(z)}, recon, z
