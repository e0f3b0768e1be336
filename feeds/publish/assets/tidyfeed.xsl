<?xml version="1.0" encoding="utf-8"?>
<!-- tidyfeed: shows an Atom or RSS document as a page when a browser opens it. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom" exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="utf-8" indent="yes"/>
  <xsl:template match="/">
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="atom:feed/atom:title | rss/channel/title"/> (feed)</title>
        <link rel="stylesheet" href="{substring-after(substring-before(/processing-instruction('xml-stylesheet'), 'tidyfeed.xsl'), 'href=&quot;')}tidyfeed.css"/>
      </head>
      <body>
        <header class="site">
          <h1 id="feed-title"><xsl:value-of select="atom:feed/atom:title | rss/channel/title"/></h1>
          <p class="note" id="feed-note">This is a web feed. Copy this page's address into your feed reader to subscribe.</p>
          <p><a id="home" href="{atom:feed/atom:link[@rel='alternate']/@href | rss/channel/link}">Read it as a web page</a></p>
        </header>
        <main>
          <xsl:apply-templates select="atom:feed/atom:entry | rss/channel/item"/>
        </main>
      </body>
    </html>
  </xsl:template>
  <xsl:template match="atom:entry">
    <article class="entry">
      <h2><a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a></h2>
      <div class="meta"><span class="source"><xsl:value-of select="atom:source/atom:title"/></span> · <time><xsl:value-of select="substring(atom:published | atom:updated[not(../atom:published)], 1, 10)"/></time></div>
      <p><xsl:value-of select="atom:summary"/></p>
    </article>
  </xsl:template>
  <xsl:template match="item">
    <article class="entry">
      <h2><a href="{link}"><xsl:value-of select="title"/></a></h2>
      <div class="meta"><span class="source"><xsl:value-of select="source"/></span> · <time><xsl:value-of select="pubDate"/></time></div>
    </article>
  </xsl:template>
</xsl:stylesheet>
