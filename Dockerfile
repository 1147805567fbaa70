# Production image: Node 20, the server run by tsx (no build step to drift).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY server ./server
COPY dicom ./dicom
COPY core ./core
COPY dicomweb ./dicomweb
COPY fhir ./fhir
COPY mappings ./mappings
COPY storage ./storage
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0 DATA_DIR=/data
EXPOSE 8080
USER node
CMD ["node", "--import", "tsx", "server/main.ts"]
