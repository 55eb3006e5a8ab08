"""V (VAE, VAE/GAN), M (MDN-RNN), C (linear controller) and their composition into one
agent step."""
