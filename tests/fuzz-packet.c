/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target for the wire parser and both state machines: any bytes in, no crash and no
 * read out of bounds. Built as a libFuzzer target by tests/fuzz.sh, and by meson with a
 * small driver that replays the corpus and random mutations (tests/fuzz-main.c). */
#include "config.h"

#include <string.h>

#include "shoal-receiver.h"
#include "shoal-sender.h"

static guint8 content[3000];

static gboolean
read_content (guint64 offset, guint8 *buf, gsize len, gpointer data, GError **error)
{
  memcpy (buf, content + offset, len);
  return TRUE;
}

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static ShoalReceiver *rx;
  static ShoalSender *tx;
  guint8 *copy;
  ShoalPacketHeader hdr;
  ShoalDataPacket pkt;
  ShoalStatusBody sb;
  ShoalReportBody rb;
  guint16 body_len;

  if (rx == NULL)
    {
      ShoalReceiverConfig rc;
      ShoalSenderConfig sc;

      shoal_receiver_config_init (&rc);
      rc.layout = (ShoalLayout) { sizeof content, 1404, 2 };
      rc.seed = 1;
      rx = shoal_receiver_new (&rc);
      shoal_sender_config_init (&sc);
      sc.layout = rc.layout;
      sc.start_immediately = TRUE;
      tx = shoal_sender_new (&sc, read_content, NULL);
    }
  /* An exact-size copy so ASan sees any read past the end. */
  copy = g_memdup2 (data, size);
  if (shoal_data_packet_parse (copy, size, 1404, &pkt, NULL))
    g_assert (pkt.payload + pkt.len + SHOAL_TAG_LEN <= copy + size);
  if (shoal_ctrl_packet_parse (copy, size, &hdr, &body_len, NULL))
    {
      const guint8 *body = copy + SHOAL_CTRL_HEADER_LEN;
      if (shoal_status_body_parse (body, body_len, &sb, NULL))
        for (guint i = 0; i < sb.n_ads; i++)
          {
            ShoalRepairAd ad;
            shoal_status_get_ad (&sb, i, &ad);
          }
      if (shoal_report_body_parse (body, body_len, &rb, NULL))
        g_assert (strlen (rb.hostname) <= SHOAL_MAX_HOSTNAME);
    }
  /* The parsers again, unauthenticated, as the receiver and sender see them: both reject. */
  shoal_receiver_handle_datagram (rx, copy, size, NULL, 0, 1);
  if (size > 0)   /* an empty input has no copy to refill */
    memcpy (copy, data, size);
  shoal_sender_handle_datagram (tx, copy, size, NULL, 0, 1);
  g_free (copy);
  return 0;
}
