"""What commitments listens to at the seam (nothing yet besides its own announcements)."""
